// The JSON shapes of docs/api.md, made from the store's records.
#pragma once

#include "plugin_host/plugin_info.hpp"
#include "scheduler/commands.hpp"
#include "store/run_results.hpp"
#include "store/store_client.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon {

// ms since the epoch as RFC 3339 UTC with milliseconds; 0 ("not yet") is null.
nlohmann::json timestamp(int64_t ms_since_epoch);

// [{"path": JSON pointer, "message": text}], as errors, details and warnings are shown.
nlohmann::json problems_json(const std::vector<Problem>& problems);

// A task as the API names it: "<node>", or "<node>[<index>]" for element
// <index> of a for_each node. index -1 is a node's own row.
struct TaskId {
  std::string node;
  int64_t index = -1;
};
std::string format_task_id(const TaskId& id);
std::string format_task_id(const TaskRecord& task);
std::optional<TaskId> parse_task_id(std::string_view text);

nlohmann::json plugin_json(const PluginInfo& plugin);
nlohmann::json workflow_summary_json(const WorkflowRecord& workflow);
nlohmann::json workflow_json(const WorkflowRecord& workflow);
nlohmann::json run_json(const RunRecord& run);
// run_json plus "tasks": {status: count} and "children": the child runs
// given (a subworkflow node's), each with the task that started it.
nlohmann::json run_detail_json(const RunRecord& run, const std::vector<TaskRecord>& tasks,
                               const std::vector<RunRecord>& children);
nlohmann::json task_json(const TaskRecord& task);
nlohmann::json attempt_json(const AttemptRecord& attempt);
// The data of `run` and `task` events: a run without its params (events are
// kept in memory, params may be large) or parent, a task with its run's id.
nlohmann::json run_event_json(const RunRecord& run);
nlohmann::json task_event_json(const TaskRecord& task);
nlohmann::json schedule_json(const ScheduleView& schedule);
nlohmann::json instance_json(const InstanceRecord& instance);

}  // namespace weft::daemon
