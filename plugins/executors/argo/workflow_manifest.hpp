// What a task becomes in Argo (a Workflow of one container template) and
// what a Workflow's status means for the task.
#pragma once

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

using remote::label_value;

}  // namespace weft::argo
