// Cron schedules starting runs, and pausing them: RunScheduler's part (see
// run_scheduler.hpp); the timers themselves are Schedules'.
//
// A firing's run is written in a transaction of its own, before it goes into
// memory or starts: its idempotency key (schedule_run_key) is unique in the
// store, so a firing that another weftd, or this one before a restart,
// already started is a conflict there, and no second run.
#include "scheduler/in_loop.hpp"
#include "scheduler/run_scheduler.hpp"
#include "scheduler/store_reads.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace weft::daemon {

using nlohmann::json;

// After the runs are back: arms each stored workflow's schedule, and starts
// one catch-up run for the latest firing missed while weftd was down (only
// the latest: a week away from a per-minute schedule is one run, not 10,000).
// A firing from before the workflow's latest version was stored, or before
// its schedule was last paused or resumed, is not missed: that version did
// not exist yet, or the schedule did not fire then.
void RunScheduler::recover_schedules() {
  const int64_t now = clock_.now_ms();
  std::map<std::string, int64_t, std::less<>> state_changed_at;
  for (const auto& state : store_.list_schedule_states()) {
    schedules_.set_paused(state.workflow, state.paused);
    state_changed_at[state.workflow] = state.updated_at;
  }
  for (const auto& record : store_.list_workflows()) {
    auto parsed = parse_workflow_text(record.document_json, runtime_);
    if (!parsed) {
      if (record.document_json.find("\"schedule\"") != std::string::npos) {
        spdlog::error("workflow {} version {}: its schedule does not fire: {}", record.name, record.version,
                      parsed.failure().message);
      }
      continue;
    }
    if (!parsed->schedule) continue;
    auto workflow = std::make_shared<const Workflow>(std::move(parsed.value()));
    schedules_.set(workflow, record.version);
    const auto missed = workflow->schedule->when.last_at_or_before(now);
    const auto changed = state_changed_at.find(record.name);
    const int64_t since = std::max(record.created_at, changed != state_changed_at.end() ? changed->second : 0);
    const auto view = schedules_.find(record.name);
    if (!view || !view->enabled || !missed || *missed <= since) continue;
    RunFilter filter;
    filter.idempotency_key = schedule_run_key(record.name, *missed);
    filter.limit = 1;
    const auto earlier = store_.list_runs(filter);
    if (!earlier.empty()) {
      schedules_.ran(record.name, *missed, earlier.front().id);
      continue;
    }
    spdlog::info("workflow {}: the firing of {} was missed while weftd was down; starting it now", record.name,
                 filter.idempotency_key.substr(filter.idempotency_key.find('@') + 1));
    fire(workflow, record.version, *missed);
  }
}

Result<ScheduleView> RunScheduler::set_schedule_enabled(const std::string& workflow, bool enabled) {
  if (auto keeps = store_keeps_run_control(enabled ? "resuming a schedule" : "pausing a schedule"); !keeps) {
    return keeps.failure();
  }
  auto stored = read_store([&] { return store_.get_workflow(workflow, 0); });
  if (!stored) return stored.failure();
  if (!*stored || (*stored)->deleted) return fail(ErrorCode::not_found, "no workflow named '" + workflow + "'");
  const auto document = json::parse((*stored)->document_json, nullptr, false);
  if (!document.is_object() || !document.contains("schedule") || !document["schedule"].is_object()) {
    return fail(ErrorCode::conflict, "workflow '" + workflow + "' has no schedule");
  }
  if (enabled && !document["schedule"].value("enabled", true)) {
    return fail(ErrorCode::conflict, "the schedule of workflow '" + workflow +
                                         "' is disabled by its document (schedule.enabled: false); apply a version "
                                         "without that to let it fire");
  }
  return in_loop<ScheduleView>([this, workflow, enabled](auto reply) {
    if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
    WriteBatch batch;
    batch.schedule_states.push_back({workflow, !enabled, clock_.now_ms()});
    journal_.write(std::move(batch), [this, workflow, enabled, reply](const Status& written) {
      if (!written) {
        return reply(fail(written.failure().code, "the schedule's state was not stored: " + written.failure().message));
      }
      spdlog::info("workflow {}: schedule {}", workflow, enabled ? "resumed" : "paused");
      schedules_.set_paused(workflow, !enabled);
      auto view = schedules_.find(workflow);
      if (!view) {
        return reply(
            fail(ErrorCode::conflict, "workflow '" + workflow + "' was changed meanwhile and has no schedule"));
      }
      reply(*view);
    });
  });
}

void RunScheduler::fire(const std::shared_ptr<const Workflow>& workflow, int64_t version, int64_t firing_ms) {
  std::string key = schedule_run_key(workflow->name, firing_ms);
  if (draining_) return;  // the next start catches it up
  if (idempotency_keys_.count(key)) return;
  // Held here until it is stored: nodes point at their run, so it never moves.
  auto run = std::make_shared<std::unique_ptr<RunState>>(
      new_run(workflow, version, effective_run_params(*workflow, json::object()), key, true));
  RunState& r = **run;
  WriteBatch batch;
  r.append_to(batch);
  for (auto& node : r.nodes) node.row.append_to(batch);
  idempotency_keys_.emplace(std::move(key), r.id);
  journal_.write(std::move(batch), [this, run, firing_ms](const Status& written) {
    RunState& r = **run;
    if (!written) {
      idempotency_keys_.erase(r.idempotency_key);
      if (written.failure().code == ErrorCode::conflict) {
        spdlog::info("{}: a run was started for this firing already", r.idempotency_key);
      } else {
        spdlog::error("{}: no run started, the store failed: {}", r.idempotency_key, written.failure().message);
      }
      return;
    }
    spdlog::info("run {} of workflow {} started by its schedule", r.id, r.workflow->name);
    schedules_.ran(r.workflow->name, firing_ms, r.id);
    runs_.emplace(r.id, std::move(*run));
    start(r);
  });
}

}  // namespace weft::daemon
