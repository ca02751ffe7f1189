// Retrying a finished run: RunScheduler's part (see run_scheduler.hpp).
// The run comes back from the store with its failed tasks made ready again
// and is driven as one taken back after a restart.
#include "scheduler/run_scheduler.hpp"

#include "scheduler/in_loop.hpp"
#include "scheduler/run_recovery.hpp"
#include "scheduler/store_reads.hpp"
#include "workflow/whole_run.hpp"

#include <spdlog/spdlog.h>

namespace weft::daemon {

// The run and its tasks are read here, on the caller's thread; the loop only
// checks that the run is not under way (a second retry of it, say).
Status RunScheduler::retry_run(const std::string& run_id) {
  auto stored = read_store([&] { return store_.get_run(run_id); });
  if (!stored) return stored.failure();
  if (!*stored) return fail(ErrorCode::not_found, "no run '" + run_id + "'");
  if (!is_final((*stored)->status)) {
    return fail(ErrorCode::conflict, "run " + run_id + " has not finished; nothing to retry yet");
  }
  if ((*stored)->status == RunStatus::succeeded) {
    return fail(ErrorCode::conflict, "run " + run_id + " succeeded; nothing to retry");
  }
  auto tasks = read_store([&] { return store_.list_tasks(run_id); });
  if (!tasks) return tasks.failure();
  for (auto& t : *tasks) {
    if (!failed_status(t.status)) continue;
    t.status = t.index < 0 ? TaskStatus::pending : TaskStatus::ready;
    t.error.clear();
    t.exit_code.reset();
    t.finished_at = 0;
  }
  RunRecord record = **stored;
  record.status = RunStatus::running;
  record.error.clear();
  record.finished_at = 0;
  auto restored = restore_run(record, *tasks, runtime_);
  if (!restored) return restored.failure();
  if (const auto executor = whole_run_executor(*(*restored)->workflow, runtime_)) {
    return fail(ErrorCode::conflict, "run " + run_id + " was submitted whole to executor '" + *executor +
                                         "', which cannot take back part of a run; start a new run instead");
  }
  auto run = std::shared_ptr<std::unique_ptr<RunState>>(new std::unique_ptr<RunState>(std::move(restored.value())));
  return in_loop<Done>([this, run](auto reply) { retry(std::move(*run), reply); });
}

void RunScheduler::retry(std::unique_ptr<RunState> restored, const std::function<void(Status)>& reply) {
  if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
  const std::string id = restored->id;
  if (runs_.count(id) || claiming_to_retry_.count(id)) {
    return reply(fail(ErrorCode::conflict, "run " + id + " is being retried or run already"));
  }
  if (!shared_) return drive_retried(std::move(restored), reply);
  // On a shared store the run is held through a lease of its own first: the
  // instance that finished it, or another retrying it at the same time, can
  // then no longer write it, and two instances never drive it both.
  claiming_to_retry_.insert(id);
  struct Claim {
    int64_t generation = 0;
    std::optional<Failure> failure;
  };
  auto claim = std::make_shared<Claim>();
  auto run = std::make_shared<std::unique_ptr<RunState>>(std::move(restored));
  const auto& leases = settings_.leases;
  writer_.call(
      [this, claim, id, leases] {
        try {
          claim->generation = store_.claim_finished_run(leases.instance, id, leases.lease.count());
        } catch (const StoreConflict&) {
          claim->failure = fail(ErrorCode::conflict, "run " + id +
                                                         " is under way again: another weftd instance "
                                                         "sharing the store is retrying it or retried it already");
        } catch (const std::exception& e) {
          claim->failure = fail(ErrorCode::unavailable, "run " + id + " could not be held to retry it: " + e.what());
        }
      },
      [this, claim, run, id, reply] {
        claiming_to_retry_.erase(id);
        if (claim->failure) return reply(*claim->failure);
        (*run)->lease_generation = claim->generation;
        drive_retried(std::move(*run), reply);
      });
}

namespace {

// Exit handlers run at every end of the run, that of its retry too.
void run_exit_handler_again(NodeState& handler) {
  TaskState& row = handler.row;
  row.status = TaskStatus::pending;
  row.error.clear();
  row.exit_code.reset();
  row.output = nlohmann::json();
  row.output_text.clear();
  row.started_at = 0;
  row.finished_at = 0;
  handler.elements.clear();
}

}  // namespace

void RunScheduler::drive_retried(std::unique_ptr<RunState> restored, const std::function<void(Status)>& reply) {
  RunState& run = *restored;
  // The policy's budget starts afresh: its attempt count and its time.
  const auto restart_budget = [](TaskState& task) {
    task.attempts_before = task.attempt;
    task.budget_started_at = 0;
  };
  for (auto& node : run.nodes) {
    restart_budget(node.row);
    for (auto& e : node.elements) restart_budget(*e);
    if (node.spec->on_exit) run_exit_handler_again(node);
  }
  runs_.emplace(run.id, std::move(restored));
  arm_run_timeout(run, clock_.now_ms());  // a retried run has its whole timeout_s again
  journal_.mark(run);
  for (auto& node : run.nodes) {
    journal_.mark(node.row);
    for (auto& e : node.elements) journal_.mark(*e);
  }
  spdlog::info("run {}: retrying its failed tasks{}", run.id,
               run.lease_generation > 0 ? " (lease generation " + std::to_string(run.lease_generation) + ")" : "");
  resume(run);
  journal_.after_durable([reply] { reply(Done{}); });
}

}  // namespace weft::daemon
