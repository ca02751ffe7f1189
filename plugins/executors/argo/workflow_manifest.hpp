// What a task becomes in Argo (a Workflow of one container template) and
// what a Workflow's status means for the task.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <weft/sdk/task.hpp>

#include "argo_config.hpp"
#include "remote_task.hpp"

namespace weft::argo {

inline constexpr const char* kInstanceLabel = "weft.io/instance";
inline constexpr const char* kOutputParameter = "weft-output";
inline constexpr const char* kStderrParameter = "weft-stderr";

// The workflow's name: the same for the same task key, so a create that is
// retried after a lost reply meets 409 instead of starting the task twice,
// and recover finds the task without its external id.
std::string workflow_name(const std::string& task_key);

// The WorkflowCreateRequest for the task. Throws std::invalid_argument when
// the task cannot run in Argo (no image, an empty argv, a bad option).
nlohmann::json create_request(const sdk::TaskSpec& task, const ArgoConfig& config);

// The container's env, given the path of the output file it writes.
using EnvOf = std::function<std::vector<std::pair<std::string, std::string>>(const std::string& output_file)>;
// The container template named template_name that runs the task's command:
// its image, argv, env (env_of's), cwd, resources and timeout, with the
// output (and stderr) files named after file_stem. Throws
// std::invalid_argument as create_request does.
nlohmann::json container_template(const std::string& template_name, const sdk::TaskSpec& task, const ArgoConfig& config,
                                  const std::string& file_stem, const EnvOf& env_of);
// A WorkflowCreateRequest of the workflow in this executor's namespace,
// labelled with its instance (over metadata's own labels).
nlohmann::json workflow_create_request(const ArgoConfig& config, nlohmann::json metadata, nlohmann::json spec);

// The label selector of this executor's workflows that have not completed.
std::string unfinished_selector(const ArgoConfig& config);

// How a workflow ended; nullopt while it runs.
struct Outcome {
  int exit_code = 0;
  std::string output_json;  // empty: none
  std::string stderr_text;  // the stderr parameter (separate_stderr)
  std::string error;        // empty when it succeeded
};
std::optional<Outcome> outcome_of(const nlohmann::json& workflow);

// What a pod node of a workflow's status says of how its container ended.
struct PodOutputs {
  int exit_code = -1;  // -1: Argo did not say
  std::string output_json;
  std::string stderr_text;
  std::string message;
};
PodOutputs pod_outputs(const nlohmann::json& node);
// How a pod of `subject` ("argo workflow <name>") that ended in `phase` ended
// for its task; message: Argo's words on it, the pod's own when empty.
Outcome outcome_of_pod(const std::string& subject, const std::string& phase, PodOutputs pod,
                       const std::string& message);
// Succeeded, Failed or Error: the phase of a node or workflow that has ended.
bool is_terminal_phase(const std::string& phase);

using remote::label_value;

}  // namespace weft::argo
