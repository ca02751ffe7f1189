// What a task becomes in Cloud Run (a run of a Job, with overrides) and
// what an Execution and its log entries mean for the task.
//
// Cloud Run has no output parameter: each job's container runs the task's
// argv under a small /bin/sh wrapper that, when the command ends, prints one
// last stdout line
//   weft-result: {"exit_code":<n>,"output":"<base64 of $WEFT_OUTPUT>"}
// which comes back through Cloud Logging with the task's other lines. The
// executor takes the exit code and the output from it and leaves it out of
// the task's stdout.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include <weft/sdk/task.hpp>

#include "cloudrun_config.hpp"

namespace weft::cloudrun {

inline constexpr const char* kContainerName = "main";
inline constexpr const char* kResultMarker = "weft-result: ";
inline constexpr const char* kInstanceLabel = "weft-instance";

// A Job for tasks of one image, working directory, resources and service
// account: its id is a hash of its template, so tasks alike share one job
// and a changed setting makes a new one.
struct JobSpec {
  std::string id;
  nlohmann::json job;  // a google.cloud.run.v2.Job to create
};
// Throws std::invalid_argument when the task cannot run in Cloud Run (no
// image, an empty argv, GPUs).
JobSpec job_for(const sdk::TaskSpec& task, const CloudRunConfig& config);

// The RunJobRequest that runs the task in its job: its argv as the
// container's args, its env, its timeout, one task.
nlohmann::json run_request(const sdk::TaskSpec& task, const CloudRunConfig& config);

// Whether the execution runs the task with this key (from the env its
// template holds, overrides applied).
bool runs_task(const nlohmann::json& execution, const std::string& task_key);
// Whether the execution has ended (it has a completion time).
bool ended(const nlohmann::json& execution);
// Whether its container ended by itself (succeeded, or exited non-zero),
// so that the wrapper's result line is in its logs, rather than being
// cancelled or timed out.
bool exits_by_itself(const nlohmann::json& execution);

// A task's log lines as Cloud Logging gave them back, split by stream, and
// the wrapper's last line.
struct TaskLogs {
  std::string stdout_text;
  std::string stderr_text;
  std::optional<int> exit_code;  // from the result line; nullopt: none came (yet)
  std::string output_base64;
};
// entries: LogEntry objects, oldest first.
TaskLogs logs_of(const std::vector<nlohmann::json>& entries);

struct Outcome {
  int exit_code = 0;
  std::string output_json;  // empty: none
  std::string error;        // empty when it succeeded
};
// How the task ended, from its ended execution and its logs.
Outcome outcome_of(const nlohmann::json& execution, const TaskLogs& logs);

}  // namespace weft::cloudrun
