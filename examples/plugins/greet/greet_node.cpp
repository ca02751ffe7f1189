// greet: an example weft node type, the starting point for a plugin of your own.
//
//   params: {"name": string}
//   output: {"greeting": "hello, <name>"}
//
// It runs inline, inside weftd: plan() decides the output at once
// (Plan::output_of), so no executor and no process is involved. The other
// decisions plan() may return are in weft/sdk/task.hpp: Plan::run(Command{...})
// for the node's executor to run, Plan::failure(why), or Plan::pending() for
// work the plugin finishes on its own.
//
// The SDK turns this C++ class into the C plugin ABI: exceptions thrown here
// become errors weftd reports, and nothing but C crosses into the daemon, so
// the plugin may use its own compiler flags and its own library versions.
#include <weft/sdk/node_type.hpp>

#include <string>
#include <vector>

namespace greet {

using nlohmann::json;
using weft::sdk::Plan;
using weft::sdk::Problem;
using weft::sdk::TaskSpec;

// The params as a JSON Schema, for people and tools; weftd itself checks
// params by calling validate() below.
const char* const kParamsSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "greet node params",
  "type": "object",
  "properties": {"name": {"type": "string", "description": "who to greet"}},
  "required": ["name"],
  "additionalProperties": false
})";

class GreetNode final : public weft::sdk::NodeType {
 public:
  // weftd creates one GreetNode when it loads the plugin and uses it for every
  // greet node of every run. config is {} for node types.
  GreetNode(const weft::sdk::Host& host, const json& /*config*/) : host_(host) {}

  // Called when a workflow is applied, on any thread, possibly concurrently:
  // must not change the object. Report every problem, each at the JSON pointer
  // of the param, so that users can fix them all at once. A param that is a
  // template ("{{ params.who }}") is still a string here; its value is checked
  // again in plan().
  std::vector<Problem> validate(const json& params) const override {
    if (!params.is_object()) return {{"", "must be an object"}};
    std::vector<Problem> problems;
    if (!params.contains("name")) problems.push_back({"/name", "is required: who to greet"});
    for (const auto& [key, value] : params.items()) {
      const std::string pointer = (json::json_pointer() / key).to_string();
      if (key != "name") {
        problems.push_back({pointer, "is not a param of greet nodes (they take name)"});
      } else if (!value.is_string()) {
        problems.push_back({pointer, "must be a string"});
      }
    }
    return problems;
  }

  // Called on weftd's event loop thread when a greet task is ready. task
  // names the attempt (run_id, node, attempt, ...) and holds the params
  // rendered (templates replaced by values). Keep it quick: the loop schedules
  // every other task too.
  Plan plan(const TaskSpec& task) override {
    const auto name = task.params.find("name");
    if (name == task.params.end()) return Plan::failure("param name is required: who to greet");
    if (!name->is_string()) return Plan::failure("param name must be a string, got " + name->dump());
    host_.debug("greeting " + name->get<std::string>() + " in run " + task.run_id);
    return Plan::output_of({{"greeting", "hello, " + name->get<std::string>()}});
  }

 private:
  weft::sdk::Host host_;  // logs go to weftd's log, tagged with the plugin's name
};

}  // namespace greet

// The plugin's entry point: its name and version, and the node types it
// provides ("greet", made by GreetNode).
WEFT_PLUGIN("greet", GREET_VERSION, weft::sdk::node_type<greet::GreetNode>("greet", greet::kParamsSchema))
