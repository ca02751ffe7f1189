#include "workflow/workflow.hpp"

#include "core/json_text.hpp"
#include "workflow/cron.hpp"
#include "workflow/document_reader.hpp"
#include "workflow/json_pointer_text.hpp"
#include "workflow/process_interface.hpp"
#include "workflow/reference_check.hpp"
#include "workflow/whole_run.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>

namespace weft::daemon {
namespace {

constexpr std::size_t longest_name = 63;
constexpr std::size_t longest_queue_name = 128;

struct RetryOverrides {
  std::optional<int> max_attempts;
  std::optional<double> backoff_s;
  std::optional<double> backoff_factor;
  std::optional<double> max_backoff_s;
  std::optional<double> max_duration_s;
};

// What a node may set and `defaults` may set for every node.
struct NodeSettings {
  std::optional<std::string> executor;
  std::optional<double> timeout_s;
  RetryOverrides retry;
  nlohmann::json resources = nlohmann::json::object();
};

bool is_lower_or_digit(char c) {
  return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}
bool is_name_char(char c) { return is_lower_or_digit(c) || c == '.' || c == '_' || c == '-'; }
bool is_id_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool is_queue_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; }

bool matches(std::string_view text, std::size_t longest, bool (*first)(char), bool (*rest)(char)) {
  return !text.empty() && text.size() <= longest && first(text[0]) && std::all_of(text.begin() + 1, text.end(), rest);
}

bool nested_deeper_than(const nlohmann::json& root, int limit) {
  std::vector<std::pair<const nlohmann::json*, int>> pending{{&root, 0}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (depth > limit) return true;
    if (!value->is_structured()) continue;
    for (const auto& child : *value) pending.emplace_back(&child, depth + 1);
  }
  return false;
}

int clamp_to_int(std::int64_t value) { return static_cast<int>(std::min<std::int64_t>(value, INT_MAX)); }

RetryOverrides read_retry(DocumentReader& reader) {
  RetryOverrides retry;
  if (auto attempts = reader.integer("max_attempts", 1)) retry.max_attempts = clamp_to_int(*attempts);
  retry.backoff_s = reader.number("backoff_s", 0, true);
  retry.backoff_factor = reader.number("backoff_factor", 1, true);
  retry.max_backoff_s = reader.number("max_backoff_s", 0, true);
  retry.max_duration_s = reader.number("max_duration_s", 0, false);
  reader.report_unknown_keys();
  return retry;
}

void read_resources(DocumentReader& reader) {
  reader.number("cpus", 0, false);
  reader.integer("memory_mb", 1);
  reader.integer("gpus", 0);
  reader.report_unknown_keys();
}

RetryPolicy merged(const RetryOverrides& node, const RetryOverrides& defaults) {
  const RetryPolicy fallback;
  return RetryPolicy{node.max_attempts.value_or(defaults.max_attempts.value_or(fallback.max_attempts)),
                     node.backoff_s.value_or(defaults.backoff_s.value_or(fallback.backoff_s)),
                     node.backoff_factor.value_or(defaults.backoff_factor.value_or(fallback.backoff_factor)),
                     node.max_backoff_s.value_or(defaults.max_backoff_s.value_or(fallback.max_backoff_s)),
                     node.max_duration_s ? node.max_duration_s : defaults.max_duration_s};
}

std::string problems_text(std::size_t count) { return std::to_string(count) + (count == 1 ? " problem" : " problems"); }

}  // namespace

// Reads and checks one document; every check adds to problems_ and carries on,
// so that one parse reports everything that is wrong.
class WorkflowParser {
 public:
  WorkflowParser(const nlohmann::json& document, const NodeCatalog& catalog, const DocumentLimits& limits)
      : document_(document), catalog_(catalog), limits_(limits) {}

  Result<Workflow> parse() {
    if (!document_.is_object()) {
      problems_.push_back({"", std::string("a workflow document must be a JSON object, not ") + document_.type_name()});
    } else if (nested_deeper_than(document_, limits_.max_depth)) {
      // Deeper documents are refused before anything walks them recursively.
      problems_.push_back({"", "nested deeper than " + std::to_string(limits_.max_depth) +
                                   " levels; limits.max_document_depth allows " + std::to_string(limits_.max_depth)});
    } else {
      read_workflow();
      link_dependencies();
      check_references(workflow_, report_cycles(), problems_);
      if (problems_.empty()) problems_ = whole_run_problems(workflow_, catalog_);
    }
    if (!problems_.empty()) {
      const auto subject = workflow_.name.empty() ? std::string("workflow") : "workflow '" + workflow_.name + "'";
      auto message = subject + " is invalid: " + problems_text(problems_.size());
      return fail(ErrorCode::invalid_workflow, std::move(message), std::move(problems_));
    }
    workflow_.document = document_;
    return std::move(workflow_);
  }

 private:
  void read_workflow() {
    DocumentReader reader(document_, "", problems_);
    if (auto name = reader.string("name", true)) {
      if (matches(*name, longest_name, is_lower_or_digit, is_name_char)) {
        workflow_.name = *name;
      } else {
        reader.problem("name", "'" + *name + "' does not match [a-z0-9][a-z0-9._-]{0,62}");
      }
    }
    workflow_.description = reader.string("description").value_or("");
    if (const auto* params = reader.object("params")) workflow_.params = *params;
    if (auto max_parallel = reader.integer("max_parallel", 1)) workflow_.max_parallel = clamp_to_int(*max_parallel);
    workflow_.timeout_s = reader.number("timeout_s", 0, false);
    workflow_.fail_fast = reader.boolean("fail_fast").value_or(false);
    if (const auto* defaults = reader.object("defaults")) {
      workflow_.defaults = *defaults;
      DocumentReader defaults_reader(*defaults, reader.pointer("defaults"), problems_);
      defaults_ = read_settings(defaults_reader);
      defaults_reader.report_unknown_keys();
    }
    read_schedule(reader);
    read_trigger(reader);
    read_nodes(reader);
    check_process_interface(reader, workflow_, problems_);
    reader.report_unknown_keys();
  }

  void read_schedule(DocumentReader& reader) {
    const auto* schedule = reader.object("schedule");
    if (schedule == nullptr) return;
    DocumentReader schedule_reader(*schedule, reader.pointer("schedule"), problems_);
    const auto enabled = schedule_reader.boolean("enabled");
    if (auto cron = schedule_reader.string("cron", true)) {
      if (auto parsed = CronSchedule::parse(*cron); !parsed) {
        schedule_reader.problem("cron", parsed.failure().message);
      } else if (!parsed->next_after(0)) {
        schedule_reader.problem("cron", "cron '" + *cron + "' never fires: no date matches it");
      } else {
        workflow_.schedule = WorkflowSchedule{*cron, *parsed, enabled.value_or(true)};
      }
    }
    schedule_reader.report_unknown_keys();
  }

  void read_trigger(DocumentReader& reader) {
    const auto* trigger = reader.object("trigger");
    if (trigger == nullptr) return;
    DocumentReader trigger_reader(*trigger, reader.pointer("trigger"), problems_);
    if (auto queue = trigger_reader.string("queue", true)) {
      if (is_queue_name(*queue)) {
        workflow_.trigger_queue = *queue;
      } else {
        trigger_reader.problem("queue", "'" + *queue + "' does not match [A-Za-z0-9._-]{1,128}");
      }
    }
    if (const auto most = trigger_reader.integer("max_parallel", 1)) {
      workflow_.trigger_max_parallel = static_cast<int>(std::min<int64_t>(*most, INT_MAX));
    }
    trigger_reader.report_unknown_keys();
  }

  // `nodes`, then the exit handlers of `on_exit`, into one list.
  void read_nodes(DocumentReader& reader) {
    const auto* nodes = reader.array("nodes", true);
    const auto* on_exit = reader.array("on_exit");
    if (nodes == nullptr) return;
    const auto count = nodes->size() + (on_exit != nullptr ? on_exit->size() : 0);
    if (nodes->empty()) return reader.problem("nodes", "must list at least one node");
    if (count > limits_.max_nodes) {
      return reader.problem(nodes->size() > limits_.max_nodes ? "nodes" : "on_exit",
                            "has " + std::to_string(count) + " nodes" + (on_exit != nullptr ? " with on_exit" : "") +
                                "; limits.max_workflow_nodes allows " + std::to_string(limits_.max_nodes));
    }
    for (std::size_t i = 0; i < nodes->size(); ++i) read_node((*nodes)[i], child_pointer("/nodes", i), false);
    workflow_.body_size = nodes->size();
    if (on_exit == nullptr) return;
    for (std::size_t i = 0; i < on_exit->size(); ++i) read_node((*on_exit)[i], child_pointer("/on_exit", i), true);
  }

  NodeSettings read_settings(DocumentReader& reader) {
    NodeSettings settings;
    settings.executor = reader.string("executor");
    if (settings.executor && !catalog_.has_executor(*settings.executor)) {
      reader.problem("executor", "unknown executor '" + *settings.executor + "'; no loaded plugin provides it");
    }
    settings.timeout_s = reader.number("timeout_s", 0, false);
    if (const auto* retry = reader.object("retry")) {
      DocumentReader retry_reader(*retry, reader.pointer("retry"), problems_);
      settings.retry = read_retry(retry_reader);
    }
    if (const auto* resources = reader.object("resources")) {
      DocumentReader resources_reader(*resources, reader.pointer("resources"), problems_);
      read_resources(resources_reader);
      settings.resources = *resources;
    }
    return settings;
  }

  void read_node(const nlohmann::json& value, const std::string& pointer, bool on_exit) {
    const auto index = workflow_.nodes.size();
    NodeSpec& node = workflow_.nodes.emplace_back();
    node.pointer = pointer;
    node.on_exit = on_exit;
    if (!expect_object(value, pointer, problems_)) return;
    DocumentReader reader(value, pointer, problems_);
    read_node_id(reader, node, index);
    node.type = reader.string("type", true).value_or("");
    node.description = reader.string("description").value_or("");
    read_depends_on(reader, node);
    read_trigger_rule(reader, node);
    read_when(reader, node);
    read_for_each(reader, node);
    read_cache(reader, node);
    if (auto max_parallel = reader.integer("max_parallel", 1)) node.max_parallel = clamp_to_int(*max_parallel);
    apply_settings(read_settings(reader), node);
    read_params(reader, node);
    reader.report_unknown_keys();
  }

  void read_node_id(DocumentReader& reader, NodeSpec& node, std::size_t index) {
    auto id = reader.string("id", true);
    if (!id) return;
    if (!matches(*id, longest_name, is_id_start, is_id_char)) {
      reader.problem("id", "'" + *id + "' does not match [A-Za-z_][A-Za-z0-9_-]{0,62}");
      return;
    }
    node.id = *id;
    const auto [first, inserted] = workflow_.node_indexes_.emplace(*id, index);
    if (!inserted) {
      reader.problem("id", "duplicate node id '" + *id + "' (also " + workflow_.nodes[first->second].pointer + ")");
    }
  }

  // Entries that are not strings stay as "" so that indexes match the document.
  void read_depends_on(DocumentReader& reader, NodeSpec& node) {
    const auto* depends_on = reader.array("depends_on");
    if (depends_on == nullptr) return;
    for (std::size_t k = 0; k < depends_on->size(); ++k) {
      const auto& entry = (*depends_on)[k];
      if (!entry.is_string()) {
        problems_.push_back({child_pointer(reader.pointer("depends_on"), k),
                             std::string("must be a node id, not ") + entry.type_name()});
      }
      node.depends_on.push_back(entry.is_string() ? entry.get<std::string>() : "");
    }
  }

  void read_trigger_rule(DocumentReader& reader, NodeSpec& node) {
    const auto name = reader.string("trigger_rule");
    if (!name) return;
    const auto subject = node.id.empty() ? std::string("a node") : "node '" + node.id + "'";
    if (const auto rule = trigger_rule_named(*name)) {
      node.trigger_rule = *rule;
    } else {
      reader.problem("trigger_rule",
                     subject + ": unknown trigger_rule '" + *name + "'; write one of " + trigger_rule_names());
    }
    if (node.depends_on.empty()) {
      reader.problem("trigger_rule",
                     subject + " has no depends_on, so it always runs; a trigger_rule needs dependencies");
    }
  }

  void read_when(DocumentReader& reader, NodeSpec& node) {
    const auto when = reader.string("when");
    if (!when) return;
    auto expression = Expression::parse(*when);
    if (!expression) return reader.problem("when", expression.failure().message);
    node.when = std::move(expression.value());
  }

  void read_for_each(DocumentReader& reader, NodeSpec& node) {
    const auto for_each = reader.string("for_each");
    if (!for_each) return;
    auto parsed = StringTemplate::parse(*for_each);
    if (!parsed) return reader.problem("for_each", parsed.failure().message);
    if (!parsed->is_single_placeholder()) {
      return reader.problem("for_each", "must be one {{ ... }} and nothing else, so that it yields an array");
    }
    node.for_each = std::move(parsed.value());
  }

  void read_cache(DocumentReader& reader, NodeSpec& node) {
    const auto* cache = reader.object("cache");
    if (cache == nullptr) return;
    DocumentReader cache_reader(*cache, reader.pointer("cache"), problems_);
    const auto ttl_s = cache_reader.number("ttl_s", 0, false);
    const auto* key = cache_reader.take("key");
    cache_reader.report_unknown_keys();
    const auto subject = node.id.empty() ? std::string("a node") : "node '" + node.id + "'";
    if (key == nullptr || !key->is_string() || key->get_ref<const std::string&>().empty()) {
      return cache_reader.problem(
          "key", subject +
                     ": cache needs a key, a non-empty string template such as \"{{ params.day }}\": tasks "
                     "whose keys render the same share one output");
    }
    auto parsed = StringTemplate::parse(key->get_ref<const std::string&>());
    if (!parsed) return cache_reader.problem("key", subject + " cache/key: " + parsed.failure().message);
    node.cache = NodeCache{std::move(parsed.value()), ttl_s};
  }

  void apply_settings(const NodeSettings& settings, NodeSpec& node) const {
    node.executor = settings.executor.value_or(defaults_.executor.value_or("process"));
    node.timeout_s = settings.timeout_s ? settings.timeout_s : defaults_.timeout_s;
    node.retry = merged(settings.retry, defaults_.retry);
    node.resources = defaults_.resources;
    node.resources.update(settings.resources);
  }

  void read_params(DocumentReader& reader, NodeSpec& node) {
    const auto* present = reader.take("params");
    if (present != nullptr && !present->is_object()) {
      return reader.problem("params", std::string("must be an object, not ") + present->type_name());
    }
    if (present != nullptr) node.params = *present;
    if (auto compiled = JsonTemplate::compile(node.params); !compiled) {
      add_param_problems(reader, node, compiled.failure().details);
    } else {
      node.params_template = std::move(compiled.value());
    }
    if (node.type.empty()) return;
    auto plugin_problems = catalog_.validate_params(node.type, node.params);
    if (!plugin_problems) {
      return reader.problem("type", "unknown node type '" + node.type + "'; no loaded plugin provides it");
    }
    add_param_problems(reader, node, *plugin_problems);
  }

  // Problems found under the node's params, each at its pointer in the
  // document and naming the node and the param, since a pointer's index alone
  // says little in a long document: "node 'b' params/argv: must not be empty".
  void add_param_problems(const DocumentReader& reader, const NodeSpec& node, const std::vector<Problem>& problems) {
    const auto pointer = reader.pointer("params");
    const auto subject = node.id.empty() ? std::string("params") : "node '" + node.id + "' params";
    for (const auto& problem : problems) {
      problems_.push_back({pointer + problem.path, subject + problem.path + ": " + problem.message});
    }
  }

  void link_dependencies() {
    auto& nodes = workflow_.nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const auto depends_on_pointer = child_pointer(nodes[i].pointer, "depends_on");
      for (std::size_t k = 0; k < nodes[i].depends_on.size(); ++k) {
        const auto& upstream = nodes[i].depends_on[k];
        if (upstream.empty()) continue;
        const auto pointer = child_pointer(depends_on_pointer, k);
        const auto target = workflow_.node_index(upstream);
        if (!target) {
          problems_.push_back({pointer, "unknown node '" + upstream + "'"});
        } else if (*target == i) {
          problems_.push_back({pointer, "node '" + upstream + "' depends on itself"});
        } else if (std::find(nodes[i].dependencies.begin(), nodes[i].dependencies.end(), *target) !=
                   nodes[i].dependencies.end()) {
          problems_.push_back({pointer, "'" + upstream + "' is listed twice"});
        } else if (nodes[*target].on_exit && !nodes[i].on_exit) {
          problems_.push_back({pointer, "'" + upstream +
                                            "' is an on_exit node: it runs after every node of the "
                                            "run, so no node of `nodes` can depend on it"});
        } else if (!nodes[*target].on_exit && nodes[i].on_exit) {
          problems_.push_back({pointer,
                               "on_exit nodes start once every node of `nodes` is final; depend only on "
                               "other on_exit nodes (read '" +
                                   upstream + "' as nodes." + upstream + ".status)"});
        } else {
          nodes[i].dependencies.push_back(*target);
          nodes[*target].dependents.push_back(i);
        }
      }
    }
  }

  // Peels off every node whose dependencies can finish (Kahn); each node left
  // is on a cycle or downstream of one. Walking dependencies from a node left
  // over always reaches a cycle; each cycle is reported once. Returns the
  // peeled nodes, each after its dependencies.
  std::vector<std::size_t> report_cycles() {
    const auto& nodes = workflow_.nodes;
    std::vector<std::size_t> unmet(nodes.size());
    std::vector<std::size_t> finishable;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      unmet[i] = nodes[i].dependencies.size();
      if (unmet[i] == 0) finishable.push_back(i);
    }
    std::vector<std::size_t> order;
    while (!finishable.empty()) {
      const auto done = finishable.back();
      finishable.pop_back();
      order.push_back(done);
      for (const auto dependent : nodes[done].dependents) {
        if (--unmet[dependent] == 0) finishable.push_back(dependent);
      }
    }
    constexpr auto unvisited = SIZE_MAX;
    std::vector<std::size_t> walk_of(nodes.size(), unvisited);
    for (std::size_t start = 0; start < nodes.size(); ++start) {
      if (unmet[start] == 0 || walk_of[start] != unvisited) continue;
      std::vector<std::size_t> trail;
      auto current = start;
      while (walk_of[current] == unvisited) {
        walk_of[current] = start;
        trail.push_back(current);
        const auto& dependencies = nodes[current].dependencies;
        current = *std::find_if(dependencies.begin(), dependencies.end(), [&](auto d) { return unmet[d] > 0; });
      }
      if (walk_of[current] == start) report_cycle({std::find(trail.begin(), trail.end(), current), trail.end()});
    }
    return order;
  }

  // `cycle` lists nodes each depending on the next (the last on the first);
  // the message lists them in the order they would run, from the first in the document.
  void report_cycle(std::vector<std::size_t> cycle) {
    std::reverse(cycle.begin(), cycle.end());
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    const auto& nodes = workflow_.nodes;
    std::string text = "cycle:";
    for (const auto index : cycle) text += " " + nodes[index].id + " ->";
    text += " " + nodes[cycle.front()].id;
    const auto& first = nodes[cycle.front()];
    const auto& upstream = nodes[cycle.back()].id;
    const auto entry = std::find(first.depends_on.begin(), first.depends_on.end(), upstream) - first.depends_on.begin();
    const auto pointer = child_pointer(first.pointer, "depends_on");
    problems_.push_back({child_pointer(pointer, static_cast<std::size_t>(entry)), std::move(text)});
  }

  const nlohmann::json& document_;
  const NodeCatalog& catalog_;
  const DocumentLimits limits_;
  Workflow workflow_;
  NodeSettings defaults_;
  std::vector<Problem> problems_;
};

std::optional<std::size_t> Workflow::node_index(std::string_view id) const {
  const auto found = node_indexes_.find(id);
  if (found == node_indexes_.end()) return std::nullopt;
  return found->second;
}

Result<Workflow> parse_workflow(const nlohmann::json& document, const NodeCatalog& catalog,
                                const DocumentLimits& limits) {
  return WorkflowParser(document, catalog, limits).parse();
}

Result<Workflow> parse_workflow_text(std::string_view document_text, const NodeCatalog& catalog,
                                     const DocumentLimits& limits) {
  const auto document = parse_json(document_text);
  if (!document) {
    return fail(ErrorCode::invalid_workflow, "workflow is invalid: 1 problem", {{"", document.failure().message}});
  }
  return parse_workflow(*document, catalog, limits);
}

bool is_queue_name(std::string_view name) { return matches(name, longest_queue_name, is_queue_char, is_queue_char); }

}  // namespace weft::daemon
