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

json container_template(const std::string& template_name, const sdk::TaskSpec& task, const ArgoConfig& config,
                        const std::string& file_stem, const EnvOf& env_of) {
  const sdk::Command& command = *task.command;
  if (command.argv.empty()) throw std::invalid_argument("the command's argv is empty");
  const std::string image = command.image.empty() ? config.default_image : command.image;
  if (image.empty()) {
    throw std::invalid_argument(
        "the argo executor needs a container image: give the node an image, or the executor "
        "a default_image");
  }
  const std::string output_file = config.scratch_dir + "/" + file_stem + ".output.json";
  const std::string stderr_file = config.scratch_dir + "/" + file_stem + ".stderr";
  json env = json::array();
  for (const auto& [k, v] : env_of(output_file)) env.push_back({{"name", k}, {"value", v}});

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
  json tmpl = {{"name", template_name}, {"container", container}, {"outputs", {{"parameters", parameters}}}};
  if (task.timeout_s > 0) {
    tmpl["activeDeadlineSeconds"] = std::to_string(static_cast<int64_t>(std::ceil(task.timeout_s)));
  }
  return tmpl;
}

json workflow_create_request(const ArgoConfig& config, json metadata, json spec) {
  if (!config.service_account.empty()) spec["serviceAccountName"] = config.service_account;
  metadata["namespace"] = config.nspace;
  metadata["labels"][kInstanceLabel] = label_value(config.instance);
  return {{"namespace", config.nspace},
          {"serverDryRun", false},
          {"workflow",
           {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Workflow"}, {"metadata", metadata}, {"spec", spec}}}};
}

json create_request(const sdk::TaskSpec& task, const ArgoConfig& config) {
  const std::string name = workflow_name(task.task_key);
  json tmpl = container_template("main", task, config, name,
                                 [&](const std::string& output_file) { return remote::task_env(task, output_file); });
  json labels = {{"weft.io/run-id", label_value(task.run_id)},
                 {"weft.io/node", label_value(task.node)},
                 {"weft.io/attempt", std::to_string(task.attempt)}};
  json metadata = {{"name", name},
                   {"labels", labels},
                   {"annotations", {{"weft.io/task-key", task.task_key}, {"weft.io/workflow", task.workflow}}}};
  return workflow_create_request(config, std::move(metadata),
                                 {{"entrypoint", "main"}, {"templates", json::array({std::move(tmpl)})}});
}

PodOutputs pod_outputs(const json& node) {
  PodOutputs pod;
  pod.message = node.value("message", "");
  const json outputs = node.value("outputs", json::object());
  if (outputs.contains("exitCode") && outputs["exitCode"].is_string()) {
    try {
      pod.exit_code = std::stoi(outputs["exitCode"].get<std::string>());
    } catch (const std::exception&) {
      pod.exit_code = -1;
    }
  }
  for (const auto& p : outputs.value("parameters", json::array())) {
    if (p.value("name", "") == kOutputParameter) pod.output_json = p.value("value", "");
    if (p.value("name", "") == kStderrParameter) pod.stderr_text = p.value("value", "");
  }
  return pod;
}

Outcome outcome_of_pod(const std::string& subject, const std::string& phase, PodOutputs pod,
                       const std::string& message) {
  Outcome outcome;
  outcome.output_json = std::move(pod.output_json);
  outcome.stderr_text = std::move(pod.stderr_text);
  if (phase == "Succeeded") {
    outcome.exit_code = pod.exit_code < 0 ? 0 : pod.exit_code;
  } else {
    outcome.exit_code = pod.exit_code < 0 ? 1 : pod.exit_code;
    const std::string& said = message.empty() ? pod.message : message;
    outcome.error = subject + " " + phase + (said.empty() ? "" : ": " + said);
  }
  if (!outcome.output_json.empty() && json::parse(outcome.output_json, nullptr, false).is_discarded()) {
    if (outcome.error.empty()) outcome.error = "the task's output is not JSON: " + outcome.output_json.substr(0, 200);
    outcome.output_json.clear();
  }
  return outcome;
}

std::optional<Outcome> outcome_of(const json& workflow) {
  const json status = workflow.value("status", json::object());
  const std::string phase = status.value("phase", "");
  if (!terminal(phase)) return std::nullopt;
  PodOutputs pod;
  const json nodes = status.value("nodes", json::object());
  for (const auto& [id, node] : nodes.items()) {
    if (node.value("type", "") == "Pod") pod = pod_outputs(node);
  }
  const std::string name = workflow.value("metadata", json::object()).value("name", "");
  return outcome_of_pod("argo workflow " + name, phase, std::move(pod), status.value("message", ""));
}

bool is_terminal_phase(const std::string& phase) { return terminal(phase); }

}  // namespace weft::argo
