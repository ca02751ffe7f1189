// The `partition` node type: splits an array into groups, inside the daemon,
// for a following for_each. See README.md for each strategy's output.
//
// params: {"items": array, "strategy": "chunk" | "count" | "by_key" | "by_glob",
//          "size": N (chunk), "count": N (count), "key": field (by_key), "patterns": [glob] (by_glob)}
// plan:   Plan::output_of({"partitions": [{"items": [...], ...}], ...}), or
//         Plan::failure naming the item or param that is wrong.
#include <fnmatch.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>
#include <weft/sdk/node_type.hpp>
#include <weft/sdk/params.hpp>

namespace weft::nodes {

namespace {

using nlohmann::json;
using weft::sdk::Plan;
using weft::sdk::Problem;

const char* const kParamsSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "partition node params",
  "type": "object",
  "properties": {
    "items": {"type": "array", "description": "what to split, usually a whole template such as {{ nodes.list.output.files }}"},
    "strategy": {"enum": ["chunk", "count", "by_key", "by_glob"]},
    "size": {"type": "integer", "minimum": 1, "description": "chunk: items per partition"},
    "count": {"type": "integer", "minimum": 1, "description": "count: how many partitions"},
    "key": {"type": "string", "minLength": 1, "description": "by_key: the field of each item to group by"},
    "patterns": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                 "description": "by_glob: fnmatch patterns; a path goes to the first that matches"}
  },
  "required": ["items", "strategy"],
  "additionalProperties": false
})";

// Each strategy and the one param it takes besides items.
const std::map<std::string, std::string, std::less<>> kStrategyParam = {
    {"chunk", "size"}, {"count", "count"}, {"by_key", "key"}, {"by_glob", "patterns"}};

// The strategy that takes param `name`, or "" when none does.
std::string strategy_taking(const std::string& name) {
  for (const auto& [strategy, param] : kStrategyParam) {
    if (param == name) return strategy;
  }
  return "";
}

// When params are checked: at validation a whole template may stand for any value.
enum class Stage { kValidating, kRendered };

class Checker {
 public:
  Checker(Stage stage, std::vector<Problem>& problems) : stage_(stage), problems_(problems) {}

  // Whether value is known at this stage: not a template left to render.
  bool known(const json& value) const { return stage_ == Stage::kRendered || !weft::sdk::is_whole_template(value); }

  void items(const json& value) {
    if (known(value) && !value.is_array()) {
      problem("items", "must be an array, not " + weft::sdk::type_name_of(value));
    }
  }
  void positive_integer(const std::string& name, const json& value) {
    if (known(value) && !(value.is_number_integer() && value.get<long long>() > 0)) {
      problem(name, "must be a positive integer");
    }
  }
  void key(const json& value) {
    if (known(value) && !(value.is_string() && !value.get_ref<const std::string&>().empty())) {
      problem("key", "must be a non-empty string: the field to group by");
    }
  }
  void patterns(const json& value) {
    if (!known(value)) return;
    if (!value.is_array() || value.empty()) return problem("patterns", "must be a non-empty array of glob patterns");
    for (size_t i = 0; i < value.size(); ++i) {
      if (known(value[i]) && !(value[i].is_string() && !value[i].get_ref<const std::string&>().empty())) {
        problems_.push_back({"/patterns/" + std::to_string(i), "must be a non-empty string"});
      }
    }
  }
  void problem(const std::string& name, std::string message) {
    problems_.push_back({weft::sdk::param_pointer(name), std::move(message)});
  }

 private:
  Stage stage_;
  std::vector<Problem>& problems_;
};

std::vector<Problem> check_params(const json& params, Stage stage) {
  if (!params.is_object()) return {{"", "must be an object"}};
  std::vector<Problem> problems;
  Checker check(stage, problems);
  const auto strategy = params.find("strategy");
  std::string chosen;
  if (strategy == params.end()) {
    check.problem("strategy", "is required: chunk, count, by_key or by_glob");
  } else if (!strategy->is_string() || !kStrategyParam.contains(strategy->get_ref<const std::string&>())) {
    check.problem("strategy", "must be chunk, count, by_key or by_glob (written out, not a template)");
  } else {
    chosen = strategy->get<std::string>();
  }
  if (!params.contains("items")) check.problem("items", "is required: the array to split");
  if (!chosen.empty() && !params.contains(kStrategyParam.at(chosen))) {
    check.problem(kStrategyParam.at(chosen), "is required by the " + chosen + " strategy");
  }
  for (const auto& param : params.items()) {
    const std::string& name = param.key();
    const json& value = param.value();
    if (name == "items") {
      check.items(value);
    } else if (name == "strategy") {
      continue;
    } else if (const std::string owner = strategy_taking(name); owner.empty()) {
      check.problem(name, "is not a param of partition nodes (they take items, strategy, size, count, key, patterns)");
    } else if (!chosen.empty() && owner != chosen) {
      check.problem(name, "belongs to the " + owner + " strategy, not " + chosen);
    } else if (name == "size" || name == "count") {
      check.positive_integer(name, value);
    } else if (name == "key") {
      check.key(value);
    } else {
      check.patterns(value);
    }
  }
  return problems;
}

// Partitions of consecutive items, in order, none empty: the first `larger`
// hold one item more than the rest.
json consecutive(const json& items, size_t groups, size_t larger) {
  json partitions = json::array();
  size_t next = 0;
  for (size_t g = 0; g < groups; ++g) {
    const size_t take = items.size() / groups + (g < larger ? 1 : 0);
    json group = json::array();
    for (size_t i = 0; i < take; ++i) group.push_back(items[next++]);
    partitions.push_back({{"items", std::move(group)}});
  }
  return partitions;
}

json by_chunk(const json& items, size_t size) {
  json partitions = json::array();
  for (size_t start = 0; start < items.size(); start += size) {
    json group = json::array();
    for (size_t i = start; i < items.size() && i < start + size; ++i) group.push_back(items[i]);
    partitions.push_back({{"items", std::move(group)}});
  }
  return {{"partitions", std::move(partitions)}};
}

json by_count(const json& items, size_t count) {
  const size_t groups = std::min(count, items.size());
  return {{"partitions", groups == 0 ? json::array() : consecutive(items, groups, items.size() % groups)}};
}

std::string item_name(size_t i) { return "items[" + std::to_string(i) + "]"; }

// Groups in the order their key first appears; items keep their order.
json by_key(const json& items, const std::string& field) {
  json partitions = json::array();
  std::map<std::string, size_t> group_of_key;  // the key's JSON text -> its partition
  for (size_t i = 0; i < items.size(); ++i) {
    const json& item = items[i];
    if (!item.is_object()) {
      throw std::invalid_argument(item_name(i) + " is " + weft::sdk::type_name_of(item) + ", not an object");
    }
    const auto value = item.find(field);
    if (value == item.end()) {
      throw std::invalid_argument(item_name(i) + " has no field '" + field +
                                  "'; by_key needs it in every item (give it a default upstream)");
    }
    const auto [group, added] = group_of_key.try_emplace(value->dump(), partitions.size());
    if (added) partitions.push_back({{"key", *value}, {"items", json::array()}});
    partitions[group->second]["items"].push_back(item);
  }
  return {{"partitions", std::move(partitions)}};
}

// Each path goes to the first pattern it matches; `*` also matches '/'.
json by_glob(const json& items, const json& patterns) {
  std::vector<json> matched(patterns.size(), json::array());
  json unmatched = json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      throw std::invalid_argument(item_name(i) + " is " + weft::sdk::type_name_of(items[i]) + ", not a path string");
    }
    const auto& path = items[i].get_ref<const std::string&>();
    size_t p = 0;
    while (p < patterns.size() && fnmatch(patterns[p].get_ref<const std::string&>().c_str(), path.c_str(), 0) != 0) {
      ++p;
    }
    (p < patterns.size() ? matched[p] : unmatched).push_back(items[i]);
  }
  json partitions = json::array();
  for (size_t p = 0; p < patterns.size(); ++p) {
    if (!matched[p].empty()) partitions.push_back({{"pattern", patterns[p]}, {"items", std::move(matched[p])}});
  }
  return {{"partitions", std::move(partitions)}, {"unmatched", std::move(unmatched)}};
}

json partition(const json& params) {
  const auto& strategy = params.at("strategy").get_ref<const std::string&>();
  const json& items = params.at("items");
  if (strategy == "chunk") return by_chunk(items, params.at("size").get<size_t>());
  if (strategy == "count") return by_count(items, params.at("count").get<size_t>());
  if (strategy == "by_key") return by_key(items, params.at("key").get<std::string>());
  return by_glob(items, params.at("patterns"));
}

}  // namespace

class PartitionNode final : public weft::sdk::NodeType {
 public:
  PartitionNode(const weft::sdk::Host& /*host*/, const json& /*config*/) {}

  std::vector<Problem> validate(const json& params) const override { return check_params(params, Stage::kValidating); }

  Plan plan(const weft::sdk::TaskSpec& task) override {
    const auto problems = check_params(task.params, Stage::kRendered);
    if (!problems.empty()) return Plan::failure(weft::sdk::describe_rendered_problems(problems));
    try {
      return Plan::output_of(partition(task.params));
    } catch (const std::invalid_argument& e) {
      return Plan::failure(std::string("cannot partition: ") + e.what());
    }
  }
};

}  // namespace weft::nodes

WEFT_PLUGIN("partition", "0.1.0",
            weft::sdk::node_type<weft::nodes::PartitionNode>("partition", weft::nodes::kParamsSchema))
