// The `command` node type: runs a program through the node's executor.
//
// params: {"argv": [string, ...] (required, not empty), "env": {name: string}, "cwd": string,
//          "executor_options": {...} (for the node's executor, which checks them)}
// plan:   Plan::run(Command{argv, env, cwd, executor_options}) from the rendered params, or
//         Plan::failure naming what is wrong with them; the daemon adds the
//         task key, resources and paths.
// finish: the SDK's default (exit 0 succeeds with the task's output).
#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/node_type.hpp>
#include <weft/sdk/params.hpp>

namespace weft::nodes {

namespace {

using nlohmann::json;
using weft::sdk::Command;
using weft::sdk::Plan;
using weft::sdk::Problem;

std::string pointer(std::string_view parent, const std::string& child) {
  return std::string(parent) + (json::json_pointer() / child).to_string();
}

void check_argv(const json& argv, std::vector<Problem>& problems) {
  if (!argv.is_array()) return problems.push_back({"/argv", "must be a non-empty array of strings"});
  if (argv.empty()) return problems.push_back({"/argv", "must not be empty"});
  for (size_t i = 0; i < argv.size(); ++i) {
    if (!argv[i].is_string()) problems.push_back({"/argv/" + std::to_string(i), "must be a string"});
  }
}

void check_env(const json& env, std::vector<Problem>& problems) {
  if (!env.is_object()) return problems.push_back({"/env", "must be an object of strings"});
  for (const auto& [name, value] : env.items()) {
    if (name.empty() || name.find('=') != std::string::npos) {
      problems.push_back({pointer("/env", name), "is not a valid variable name (empty or containing '=')"});
    } else if (!value.is_string()) {
      problems.push_back({pointer("/env", name), "must be a string"});
    }
  }
}

void check_cwd(const json& cwd, std::vector<Problem>& problems) {
  if (!cwd.is_string()) return problems.push_back({"/cwd", "must be a string"});
  if (cwd.get_ref<const std::string&>().empty()) problems.push_back({"/cwd", "must not be empty"});
}

std::vector<Problem> check_params(const json& params) {
  if (!params.is_object()) return {{"", "must be an object"}};
  std::vector<Problem> problems;
  for (const auto& [name, value] : params.items()) {
    if (name == "argv") {
      check_argv(value, problems);
    } else if (name == "env") {
      check_env(value, problems);
    } else if (name == "cwd") {
      check_cwd(value, problems);
    } else if (name == "executor_options") {
      if (!value.is_object()) problems.push_back({"/executor_options", "must be an object"});
    } else {
      problems.push_back(
          {pointer("", name), "is not a param of command nodes (they take argv, env, cwd and executor_options)"});
    }
  }
  if (!params.contains("argv")) problems.push_back({"/argv", "is required"});
  return problems;
}

// argv elements, env values and cwd are strings; a whole placeholder there
// that rendered to another type means its JSON text.
json with_whole_values_as_text(json params) {
  using weft::sdk::text_of_whole_value;
  if (!params.is_object()) return params;
  if (auto argv = params.find("argv"); argv != params.end() && argv->is_array()) {
    for (auto& arg : *argv) text_of_whole_value(arg);
  }
  if (auto env = params.find("env"); env != params.end() && env->is_object()) {
    for (auto& value : *env) text_of_whole_value(value);
  }
  if (auto cwd = params.find("cwd"); cwd != params.end()) text_of_whole_value(*cwd);
  return params;
}

const char* const kParamsSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "command node params",
  "type": "object",
  "properties": {
    "argv": {"type": "array", "items": {"type": "string"}, "minItems": 1,
             "description": "the program and its arguments; the program is looked up in weftd's PATH"},
    "env": {"type": "object", "additionalProperties": {"type": "string"},
            "description": "variables added to the task's environment"},
    "cwd": {"type": "string", "minLength": 1, "description": "the task's working directory"},
    "executor_options": {"type": "object",
                         "description": "settings for the node's executor, which checks them: slurm takes partition, account, qos, extra_args"
}
}
, "required" : ["argv"], "additionalProperties" : false
})";

}  // namespace

class CommandNode final : public weft::sdk::NodeType {
 public:
  CommandNode(const weft::sdk::Host& /*host*/, const json& /*config*/) {}

  std::vector<Problem> validate(const json& params) const override { return check_params(params); }

  Plan plan(const sdk::TaskSpec& task) override {
    const json params = with_whole_values_as_text(task.params);
    const auto problems = check_params(params);
    if (!problems.empty()) return Plan::failure(weft::sdk::describe_rendered_problems(problems));
    Command command;
    command.argv = params["argv"].get<std::vector<std::string>>();
    if (const auto env = params.find("env"); env != params.end()) {
      for (const auto& [name, value] : env->items()) command.env.emplace_back(name, value.get<std::string>());
    }
    command.cwd = params.value("cwd", std::string());
    command.executor_options = params.value("executor_options", json::object());
    return Plan::run(std::move(command));
  }
};

}  // namespace weft::nodes

WEFT_PLUGIN("command", "0.1.0", weft::sdk::node_type<weft::nodes::CommandNode>("command", weft::nodes::kParamsSchema))
