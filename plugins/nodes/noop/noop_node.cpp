// The `noop` node type: does nothing, inside the daemon, and succeeds.
//
// params: {"output": any JSON (optional)}
// plan:   Plan::output_of(params.output, or null): done inline, no executor
#include <vector>
#include <weft/sdk/node_type.hpp>

namespace weft::nodes {

namespace {

using nlohmann::json;
using weft::sdk::Problem;

const char* const kParamsSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "noop node params",
  "type": "object",
  "properties": {
    "output": {"description": "the node's output, any JSON; null when absent"}
  },
  "additionalProperties": false
})";

}  // namespace

class NoopNode final : public weft::sdk::NodeType {
 public:
  NoopNode(const weft::sdk::Host& /*host*/, const json& /*config*/) {}

  std::vector<Problem> validate(const json& params) const override {
    if (!params.is_object()) return {{"", "must be an object"}};
    std::vector<Problem> problems;
    for (const auto& [name, value] : params.items()) {
      if (name != "output") {
        problems.push_back(
            {(json::json_pointer() / name).to_string(), "is not a param of noop nodes (they take output)"});
      }
    }
    return problems;
  }

  sdk::Plan plan(const sdk::TaskSpec& task) override {
    const auto output = task.params.find("output");
    return sdk::Plan::output_of(output == task.params.end() ? json() : *output);
  }
};

}  // namespace weft::nodes

WEFT_PLUGIN("noop", "0.1.0", weft::sdk::node_type<weft::nodes::NoopNode>("noop", weft::nodes::kParamsSchema))
