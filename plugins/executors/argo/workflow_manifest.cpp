#include "workflow_manifest.hpp"

#include <cmath>
#include <stdexcept>

#include "remote_task.hpp"

namespace weft::argo {
namespace {

using nlohmann::json;

bool terminal(const std::string& phase) { return phase == "Succeeded" || phase == "Failed" || phase == "Error"; }

}  // namespace

std::string workflow_name(const std::string& task_key) { return "weft-" + remote::stable_hash_hex(task_key); }

std::string unfinished_selector(const ArgoConfig& config) {
  return std::string(kInstanceLabel) + "=" + label_value(config.instance) + ",workflows.argoproj.io/completed!=true";
}

json create_request(const sdk::TaskSpec& task, const ArgoConfig& config) {
  const sdk::Command& command = *task.command;
  if (command.argv.empty()) throw std::invalid_argument("the command's argv is empty");
  const std::string image = command.image.empty() ? config.default_image : command.image;
  if (image.empty()) {
    throw std::invalid_argument(
        "the argo executor needs a container image: give the node an image, or the executor "
        "a default_image");
  }
  const std::string name = workflow_name(task.task_key);
  const std::string output_file = config.scratch_dir + "/" + name + ".output.json";
  const std::string stderr_file = config.scratch_dir + "/" + name + ".stderr";

  json env = json::array();
  for (const auto& [k, v] : remote::task_env(task, output_file)) env.push_back({{"name", k}, {"value", v}});

  json container = {{"name", "main"}, {"image", image}, {"env", env}};
  std::vector<std::string> argv = command.argv;
  if (config.separate_stderr) {
    // Kubernetes keeps one log of a container's stdout and stderr: a shell
    // sends stderr to a file that comes back as an output parameter.
    argv.insert(argv.begin(), {"/bin/sh", "-c", "exec 2>\"$0\"; exec \"$@\"", stderr_file});
  }
  container["command"] = json::array({argv.front()});
  container["args"] = json(std::vector<std::string>(argv.begin() + 1, argv.end()));
  if (!command.cwd.empty()) container["workingDir"] = command.cwd;
  json resources = json::object();
  if (task.resources.cpus > 0) resources["cpu"] = remote::cpu_quantity(task.resources.cpus);
  if (task.resources.memory_mb > 0) resources["memory"] = std::to_string(task.resources.memory_mb) + "Mi";
  if (task.resources.gpus > 0) resources["nvidia.com/gpu"] = std::to_string(task.resources.gpus);
  if (!resources.empty()) container["resources"] = {{"requests", resources}, {"limits", resources}};

  json parameters = json::array();
  parameters.push_back({{"name", kOutputParameter}, {"valueFrom", {{"path", output_file}, {"default", ""}}}});
  if (config.separate_stderr) {
    parameters.push_back({{"name", kStderrParameter}, {"valueFrom", {{"path", stderr_file}, {"default", ""}}}});
  }
  json tmpl = {{"name", "main"}, {"container", container}, {"outputs", {{"parameters", parameters}}}};
  if (task.timeout_s > 0) {
    tmpl["activeDeadlineSeconds"] = std::to_string(static_cast<int64_t>(std::ceil(task.timeout_s)));
  }
  json spec = {{"entrypoint", "main"}, {"templates", json::array({tmpl})}};
  if (!config.service_account.empty()) spec["serviceAccountName"] = config.service_account;

  json labels = {{kInstanceLabel, label_value(config.instance)},
                 {"weft.io/run-id", label_value(task.run_id)},
                 {"weft.io/node", label_value(task.node)},
                 {"weft.io/attempt", std::to_string(task.attempt)}};
  json metadata = {{"name", name},
                   {"namespace", config.nspace},
                   {"labels", labels},
                   {"annotations", {{"weft.io/task-key", task.task_key}, {"weft.io/workflow", task.workflow}}}};
  return {{"namespace", config.nspace},
          {"serverDryRun", false},
          {"workflow",
           {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Workflow"}, {"metadata", metadata}, {"spec", spec}}}};
}

std::optional<Outcome> outcome_of(const json& workflow) {
  const json status = workflow.value("status", json::object());
  const std::string phase = status.value("phase", "");
  if (!terminal(phase)) return std::nullopt;
  Outcome outcome;
  int exit_code = -1;  // -1: Argo did not say
  std::string node_message;
  const json nodes = status.value("nodes", json::object());
  for (const auto& [id, node] : nodes.items()) {
    if (node.value("type", "") != "Pod") continue;
    node_message = node.value("message", "");
    const json outputs = node.value("outputs", json::object());
    if (outputs.contains("exitCode") && outputs["exitCode"].is_string()) {
      try {
        exit_code = std::stoi(outputs["exitCode"].get<std::string>());
      } catch (const std::exception&) {
        exit_code = -1;
      }
    }
    for (const auto& p : outputs.value("parameters", json::array())) {
      if (p.value("name", "") == kOutputParameter) outcome.output_json = p.value("value", "");
      if (p.value("name", "") == kStderrParameter) outcome.stderr_text = p.value("value", "");
    }
  }
  const std::string name = workflow.value("metadata", json::object()).value("name", "");
  if (phase == "Succeeded") {
    outcome.exit_code = exit_code < 0 ? 0 : exit_code;
  } else {
    outcome.exit_code = exit_code < 0 ? 1 : exit_code;
    std::string message = status.value("message", "");
    if (message.empty()) message = node_message;
    outcome.error = "argo workflow " + name + " " + phase + (message.empty() ? "" : ": " + message);
  }
  if (!outcome.output_json.empty() && json::parse(outcome.output_json, nullptr, false).is_discarded()) {
    if (outcome.error.empty()) outcome.error = "the task's output is not JSON: " + outcome.output_json.substr(0, 200);
    outcome.output_json.clear();
  }
  return outcome;
}

}  // namespace weft::argo
