// Pausing and resuming runs: RunScheduler's part (see run_scheduler.hpp).
// A paused run keeps its place in memory and its status in the store; the
// Dispatcher starts no task of it until it is resumed. Its child runs (a
// subworkflow node's) are paused and resumed with it.
#include "scheduler/run_scheduler.hpp"
#include "workflow/whole_run.hpp"

#include <spdlog/spdlog.h>

namespace weft::daemon {

// A paused run, or schedule, is kept by the store as a status or record of
// ABI 2.1, which a store of ABI 2.0 cannot keep.
Status RunScheduler::store_keeps_run_control(std::string_view what) const {
  if (store_.keeps_2_1_records()) return Done{};
  return fail(ErrorCode::conflict, std::string(what) +
                                       " needs a storage plugin of ABI 2.1 or later, and the one loaded is of ABI 2.0; "
                                       "update it (weft's own sqlite and postgres plugins are of 2.1)");
}

Status RunScheduler::pause_run(const std::string& run_id) {
  if (auto keeps = store_keeps_run_control("pausing a run"); !keeps) return keeps;
  return run_command(run_id, &RunScheduler::pause, [&](const RunRecord& stored) -> Status {
    return fail(ErrorCode::conflict, "run " + run_id + " has already " + std::string(to_string(stored.status)));
  });
}

Status RunScheduler::resume_run(const std::string& run_id) {
  return run_command(run_id, &RunScheduler::unpause, [&](const RunRecord& stored) -> Status {
    return fail(ErrorCode::conflict, "run " + run_id + " has already " + std::string(to_string(stored.status)));
  });
}

// Running tasks go on to their end; the dispatcher starts no task of a
// paused run (see Dispatcher::pump).
RunScheduler::RunCommandResult RunScheduler::pause(const std::string& run_id) {
  const auto it = runs_.find(run_id);
  if (it == runs_.end() || is_final(it->second->status)) return std::nullopt;
  RunState& run = *it->second;
  if (run.status == RunStatus::paused) return Done{};
  if (run.status == RunStatus::created) {
    return fail(ErrorCode::conflict, "run " + run_id + " has not been started; there is nothing to pause");
  }
  if (run.cancelling) return fail(ErrorCode::conflict, "run " + run_id + " is being cancelled");
  // Its executor runs it whole, each node as soon as its upstream is done
  // there: holding weftd's tasks back would pause nothing but the view.
  if (const auto executor = whole_run_executor(*run.workflow, runtime_)) {
    return fail(ErrorCode::conflict, "run " + run_id + " was handed whole to executor '" + *executor +
                                         "', which runs it on its own; it cannot be paused, only cancelled");
  }
  run.status = RunStatus::paused;
  journal_.mark(run);
  spdlog::info("run {} paused; {} tasks still running go on to their end", run.id, run.running);
  for (const auto& child : children_of(run_id)) pause(child);
  return Done{};
}

RunScheduler::RunCommandResult RunScheduler::unpause(const std::string& run_id) {
  const auto it = runs_.find(run_id);
  if (it == runs_.end() || is_final(it->second->status)) return std::nullopt;
  RunState& run = *it->second;
  if (run.status != RunStatus::paused) {
    return fail(ErrorCode::conflict,
                "run " + run_id + " is " + std::string(to_string(run.status)) + ", not paused; nothing to resume");
  }
  run.status = RunStatus::running;
  journal_.mark(run);
  dispatcher_.wake(run);
  spdlog::info("run {} resumed", run.id);
  for (const auto& child : children_of(run_id)) unpause(child);
  return Done{};
}

}  // namespace weft::daemon
