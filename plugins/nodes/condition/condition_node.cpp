// The `condition` node type: names a boolean, inside the daemon, so that
// other nodes test it with `when`.
//
// params: {"expr": "{{ expression }}" or a boolean}
// plan:   Plan::output_of({"value": bool}), or Plan::failure when expr did not
//         render to a boolean.
//
// The daemon's template engine evaluates the expression (comparisons, &&,
// ||, !, len()) when it renders the params, so this node type only checks
// that the result is a boolean: a comparison is the test, and a value that
// merely looks true (a non-empty string, a number) is refused rather than
// guessed at.
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
  "title": "condition node params",
  "type": "object",
  "properties": {
    "expr": {"type": "boolean",
             "description": "written as one whole template, such as {{ nodes.count.output.n > 10 }}, which renders to a boolean"}
  },
  "required": ["expr"],
  "additionalProperties": false
})";

const char* const kExprHint = "must be a boolean, written as one whole template such as \"{{ nodes.x.output.n > 0 }}\"";

// The value's type, and the value itself when it is short enough to read in a message.
std::string described(const json& value) {
  constexpr size_t kShown = 60;
  const std::string text = value.dump();
  return weft::sdk::type_name_of(value) + (text.size() <= kShown ? " " + text : "");
}

std::vector<Problem> check_params(const json& params, bool rendered) {
  if (!params.is_object()) return {{"", "must be an object"}};
  std::vector<Problem> problems;
  for (const auto& [name, value] : params.items()) {
    if (name != "expr") {
      problems.push_back({weft::sdk::param_pointer(name), "is not a param of condition nodes (they take expr)"});
    } else if (!value.is_boolean() && (rendered || !weft::sdk::is_whole_template(value))) {
      problems.push_back(
          {"/expr", std::string(kExprHint) + (rendered ? "; it rendered to " : "; it is ") + described(value)});
    }
  }
  if (!params.contains("expr")) problems.push_back({"/expr", "is required: the test, such as \"{{ params.n > 0 }}\""});
  return problems;
}

}  // namespace

class ConditionNode final : public weft::sdk::NodeType {
 public:
  ConditionNode(const weft::sdk::Host& /*host*/, const json& /*config*/) {}

  std::vector<Problem> validate(const json& params) const override { return check_params(params, false); }

  Plan plan(const weft::sdk::TaskSpec& task) override {
    const auto problems = check_params(task.params, true);
    if (!problems.empty()) return Plan::failure(weft::sdk::describe_rendered_problems(problems));
    return Plan::output_of({{"value", task.params.at("expr")}});
  }
};

}  // namespace weft::nodes

WEFT_PLUGIN("condition", "0.1.0",
            weft::sdk::node_type<weft::nodes::ConditionNode>("condition", weft::nodes::kParamsSchema))
