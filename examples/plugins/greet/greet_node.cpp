// greet: an example weft node type, the starting point for a plugin of your own.
//
//   params: {"name": string}
//   output: {"greeting": "hello, <name>"}
//
// It runs inline, inside weftd: plan() answers {"output": ...} at once, so no
// executor and no process is involved. weft/sdk/node_type.hpp lists the other
// answers plan() may give (a task for an executor, or work that finishes later).
//
// The SDK turns this C++ class into the C plugin ABI: exceptions thrown here
// become errors weftd reports, and nothing but C crosses into the daemon, so
// the plugin may use its own compiler flags and its own library versions.
#include <weft/sdk/node_type.hpp>

#include <string>
#include <vector>

namespace greet {

using nlohmann::json;
using weft::sdk::Problem;

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

  // Called on weftd's event loop thread when a greet task is ready, with the
  // params rendered (templates replaced by values). Keep it quick: the loop
  // schedules every other task too.
  json plan(const json& request) override {
    const json& name = request.at("params").at("name");
    if (!name.is_string()) return {{"error", "param name must be a string, got " + name.dump()}};
    host_.debug("greeting " + name.get<std::string>() + " in run " + request.value("run_id", ""));
    return {{"output", {{"greeting", "hello, " + name.get<std::string>()}}}};
  }

 private:
  weft::sdk::Host host_;  // logs go to weftd's log, tagged with the plugin's name
};

}  // namespace greet

// The plugin's entry point: its name and version, and the node types it
// provides ("greet", made by GreetNode).
WEFT_PLUGIN("greet", GREET_VERSION, weft::sdk::node_type<greet::GreetNode>("greet", greet::kParamsSchema))
