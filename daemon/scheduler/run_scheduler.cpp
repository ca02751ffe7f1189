#include "scheduler/run_scheduler.hpp"

#include "scheduler/in_loop.hpp"
#include "scheduler/queue_delivery.hpp"
#include "scheduler/store_reads.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>

namespace weft::daemon {

using nlohmann::json;

RunScheduler::RunScheduler(boost::asio::io_context& io, TaskRuntime& runtime, StoreClient& store, Clock& clock,
                           SchedulerSettings settings)
    : io_(io),
      runtime_(runtime),
      store_(store),
      clock_(clock),
      settings_(std::move(settings)),
      writer_(io, store),
      journal_(io, writer_, clock),
      audit_(clock),
      dispatcher_(
          io, settings_.limits.max_running_tasks, [this](TaskState& task) { dispatch(task); },
          [this](const NodeState& node) {
            return node.is_for_each() &&
                   (runtime_.executor_capabilities(node.spec->executor) & WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH) != 0;
          }),
      schedules_(clock, [this](const std::shared_ptr<const Workflow>& workflow, int64_t version,
                               int64_t firing_ms) { fire(workflow, version, firing_ms); }),
      shared_(store.shared()),
      cache_lookups_(io, store_reads_,
                     [&store](const std::vector<CacheLookup>& lookups) { return store.find_cached(lookups); }) {
  audit_.set_retention(settings_.audit_retention);
  journal_.set_message_retention(settings_.done_message_retention);
  if (shared_) {
    store_.fence_as(settings_.leases.instance, settings_.leases.lease.count());
    journal_.on_lease_lost([this](const std::shared_ptr<const WriteBatch>& refused) { lease_lost(refused); });
  }
}

RunScheduler::~RunScheduler() {
  store_reads_.join();
  journal_.stop();
}

SchedulerLimits RunScheduler::limits() const {
  const std::lock_guard lock(limits_mutex_);
  return settings_.limits;
}

void RunScheduler::set_limits(const SchedulerLimits& updated) {
  {
    const std::lock_guard lock(limits_mutex_);
    settings_.limits = updated;
  }
  boost::asio::post(io_, [this, most = updated.max_running_tasks] { dispatcher_.set_max_running_tasks(most); });
}

Status RunScheduler::store_is_writable() const {
  if (journal_.healthy()) return Done{};
  return fail(ErrorCode::unavailable,
              "the store cannot be written (" + journal_.last_error() + "); try again once /readyz answers 200");
}

// ---------------------------------------------------------------------------
// Commands

Result<WorkflowApplied> RunScheduler::apply_workflow(const json& document,
                                                     const std::optional<std::string>& expected_name) {
  auto parsed = parse_workflow(document, runtime_, limits().documents);
  if (!parsed) return parsed.failure();
  auto workflow = std::make_shared<const Workflow>(std::move(parsed.value()));
  const std::string name = workflow->name;
  if (expected_name && *expected_name != name) {
    return fail(ErrorCode::invalid_request,
                "the document's name '" + name + "' differs from the name in the path '" + *expected_name + "'",
                {{"/name", "must be '" + *expected_name + "'"}});
  }
  auto stored = read_store([&] { return store_.get_workflow(name, 0); });
  if (!stored) return stored.failure();
  WorkflowRecord record{name, 0, document.dump(), document_digest(document), clock_.now_ms(), false};
  return in_loop<WorkflowApplied>([this, record = std::move(record), stored = std::move(*stored),
                                   workflow = std::move(workflow)](auto reply) mutable {
    if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
    auto applied = workflows_.apply(std::move(record), stored);
    if (!applied.created) return reply(WorkflowApplied{applied.record.name, applied.record.version, false});
    WriteBatch batch;
    batch.workflows.push_back(applied.record);
    journal_.write(std::move(batch), [this, record = applied.record, workflow, reply](const Status& written) {
      if (!written) {
        workflows_.forget(record.name);
        return reply(fail(written.failure().code, "the workflow was not stored: " + written.failure().message));
      }
      spdlog::info("workflow {} version {} stored", record.name, record.version);
      schedules_.set(workflow, record.version);
      consume(workflow, record.version);
      reply(WorkflowApplied{record.name, record.version, true});
    });
  });
}

Status RunScheduler::store_token(const sdk::TokenRecord& token) {
  return in_loop<Done>([this, token](auto reply) {
    if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
    WriteBatch batch;
    batch.tokens.push_back(token);
    journal_.write(std::move(batch), [reply](const Status& written) {
      if (!written)
        return reply(fail(written.failure().code, "the token was not stored: " + written.failure().message));
      reply(Done{});
    });
  });
}

void RunScheduler::record_audit(sdk::AuditRecord entry) {
  boost::asio::post(io_, [this, entry = std::move(entry)]() mutable {
    if (audit_.add(std::move(entry))) return journal_.ride_along(audit_);
    spdlog::warn("the store cannot be written: {} audit entries wait already; this one is in the log only",
                 AuditJournal::kMaxPending);
  });
}

Status RunScheduler::delete_workflow(const std::string& name) {
  auto stored = read_store([&] { return store_.get_workflow(name, 0); });
  if (!stored) return stored.failure();
  return in_loop<Done>([this, name, stored = std::move(*stored)](auto reply) {
    if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
    auto deleted = workflows_.remove(name, stored);
    if (!deleted) return reply(deleted.failure());
    WriteBatch batch;
    batch.workflows.push_back(std::move(deleted.value()));
    journal_.write(std::move(batch), [this, name, reply](const Status& written) {
      if (!written) {
        workflows_.forget(name);
        return reply(fail(written.failure().code, "the workflow was not deleted: " + written.failure().message));
      }
      schedules_.remove(name);
      stop_consuming(name);
      reply(Done{});
    });
  });
}

Result<RunCreated> RunScheduler::create_run(const RunRequest& request) {
  // A run made under one of weftd's own keys would be taken for the run
  // weftd meant to start: a schedule's firing, a queue's message, a child.
  const std::string& key = request.idempotency_key;
  if (is_schedule_run_key(key) || is_queue_run_key(key) || is_child_run_key(key)) {
    return fail(ErrorCode::invalid_request,
                "idempotency keys that start with 'schedule:', 'queue:' or 'child:' are for runs weftd starts itself",
                {{"/idempotency_key", "must not start with 'schedule:', 'queue:' or 'child:'"}});
  }
  auto prepared = prepare_run(request);
  if (!prepared) return prepared.failure();
  if (!request.idempotency_key.empty()) {
    RunFilter filter;
    filter.idempotency_key = request.idempotency_key;
    filter.limit = 1;
    auto earlier = read_store([&] { return store_.list_runs(filter); });
    if (!earlier) return earlier.failure();
    if (!earlier->empty()) return RunCreated{earlier->front().id, earlier->front().status, false};
  }
  return in_loop<RunCreated>([this, prepared = std::move(*prepared)](auto reply) { create_prepared(prepared, reply); });
}

// Reads the workflow (on the caller's thread) and checks the params.
Result<std::shared_ptr<RunScheduler::PreparedRun>> RunScheduler::prepare_run(const RunRequest& request) {
  auto prepared = std::make_shared<PreparedRun>();
  if (request.document) {
    auto parsed = parse_workflow(*request.document, runtime_, limits().documents);
    if (!parsed) return parsed.failure();
    prepared->workflow = std::make_shared<const Workflow>(std::move(parsed.value()));
  } else {
    auto stored = read_store([&] { return store_.get_workflow(request.workflow, request.version); });
    if (!stored) return stored.failure();
    if (!*stored || (request.version == 0 && (*stored)->deleted)) {
      return fail(ErrorCode::not_found,
                  "no workflow named '" + request.workflow + "'" +
                      (request.version == 0 ? "" : " with a version " + std::to_string(request.version)));
    }
    auto parsed = parse_workflow_text((*stored)->document_json, runtime_);
    if (!parsed) {
      auto failure = parsed.failure();
      failure.message = "workflow '" + request.workflow + "' version " + std::to_string((*stored)->version) +
                        " cannot run with the plugins loaded now: " + failure.message;
      return failure;
    }
    prepared->workflow = std::make_shared<const Workflow>(std::move(parsed.value()));
    prepared->version = (*stored)->version;
  }
  if (!request.params.is_object()) {
    return fail(ErrorCode::invalid_request, "params must be an object", {{"/params", "must be an object"}});
  }
  auto problems = validate_run_params(*prepared->workflow, request.params);
  if (!problems.empty()) {
    return fail(ErrorCode::invalid_request, "the run's params are invalid", std::move(problems));
  }
  prepared->params = effective_run_params(*prepared->workflow, request.params);
  const std::size_t most_params_bytes = limits().max_params_bytes;
  if (const auto size = prepared->params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
      size > most_params_bytes) {
    return fail(ErrorCode::payload_too_large, "the run's params are " + std::to_string(size) +
                                                  " bytes as JSON; limits.max_params_bytes allows " +
                                                  std::to_string(most_params_bytes));
  }
  prepared->idempotency_key = request.idempotency_key;
  prepared->start = request.start;
  return prepared;
}

void RunScheduler::create_prepared(const std::shared_ptr<PreparedRun>& prepared,
                                   const std::function<void(Result<RunCreated>)>& reply) {
  if (draining_) return reply(fail(ErrorCode::unavailable, "weftd is shutting down"));
  if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
  const std::string& key = prepared->idempotency_key;
  if (!key.empty()) {
    const auto same = idempotency_keys_.find(key);
    if (same != idempotency_keys_.end()) {
      const auto run = runs_.find(same->second);
      return reply(RunCreated{same->second, run != runs_.end() ? run->second->status : RunStatus::queued, false});
    }
  }
  if (const int most = limits().max_runs_per_workflow; most > 0) {
    const auto& name = prepared->workflow->name;
    const auto under_way = std::count_if(runs_.begin(), runs_.end(), [&](const auto& entry) {
      return entry.second->workflow->name == name && !is_final(entry.second->status);
    });
    if (under_way >= most) {
      return reply(fail(ErrorCode::too_many_requests, "workflow '" + name + "' has " + std::to_string(under_way) +
                                                          " runs under way; limits.max_runs_per_workflow allows " +
                                                          std::to_string(most) +
                                                          " at once. Try again once one has finished"));
    }
  }
  auto run = new_run(prepared->workflow, prepared->version, std::move(prepared->params), key, prepared->start);
  if (shared_ && prepared->start && !has_room()) return store_unheld(std::move(run), reply);
  RunState& r = *run;
  runs_.emplace(r.id, std::move(run));
  journal_.mark(r);
  for (auto& node : r.nodes) journal_.mark(node.row);
  if (!key.empty()) idempotency_keys_.emplace(key, r.id);
  journal_.after_durable([this, id = r.id, reply] {
    const auto run = runs_.find(id);
    reply(RunCreated{id, run != runs_.end() ? run->second->status : RunStatus::queued, true});
  });
  spdlog::info("run {} of workflow {} created", r.id, r.workflow->name);
  if (prepared->start) start(r);
}

std::unique_ptr<RunState> RunScheduler::new_run(const std::shared_ptr<const Workflow>& workflow, int64_t version,
                                                json params, std::string idempotency_key, bool start) {
  auto run = std::make_unique<RunState>(run_ids_.next(clock_.now_ms()), workflow, version);
  run->status = start ? RunStatus::queued : RunStatus::created;
  run->params = std::move(params);
  run->params_text = run->params.dump();
  run->document_text = workflow->document.dump();
  run->idempotency_key = std::move(idempotency_key);
  run->created_at = clock_.now_ms();
  if (shared_) run->lease_generation = 1;  // the store has it held by this instance from its insert on
  return run;
}

Status RunScheduler::start_run(const std::string& run_id) {
  return run_command(run_id, &RunScheduler::start_created, [&](const RunRecord& stored) -> Status {
    return fail(ErrorCode::conflict,
                "run " + run_id + " is " + std::string(to_string(stored.status)) + ", not created");
  });
}

Status RunScheduler::cancel_run(const std::string& run_id) {
  return run_command(run_id, &RunScheduler::cancel, [&](const RunRecord& stored) -> Status {
    return fail(ErrorCode::conflict, "run " + run_id + " has already " + std::string(to_string(stored.status)));
  });
}

// Carries out a command on a run in the loop, answering once its changes are
// stored. A run the loop does not hold is looked up in the store afterwards,
// on this thread, to say whether it is unknown, finished, or (on a shared
// store) another instance's: the API then sends the command there.
Status RunScheduler::run_command(const std::string& run_id,
                                 RunCommandResult (RunScheduler::*command)(const std::string&),
                                 const std::function<Status(const RunRecord&)>& when_not_running) {
  auto result = in_loop<RunCommandResult>([this, run_id, command](auto reply) {
    if (auto writable = store_is_writable(); !writable) return reply(RunCommandResult(writable.failure()));
    RunCommandResult status = (this->*command)(run_id);
    if (!status || !*status) return reply(status);
    journal_.after_durable([reply] { reply(RunCommandResult(Done{})); });
  });
  if (!result) return result.failure();
  if (*result) return **result;
  auto stored = read_store([&] { return store_.get_run(run_id); });
  if (!stored) return stored.failure();
  if (!*stored) return fail(ErrorCode::not_found, "no run '" + run_id + "'");
  if (shared_ && !is_final((*stored)->status)) {
    return fail(ErrorCode::held_elsewhere, "run " + run_id + " is " + std::string(to_string((*stored)->status)) +
                                               " and held by another weftd instance sharing the store");
  }
  return when_not_running(**stored);
}

RunScheduler::RunCommandResult RunScheduler::start_created(const std::string& run_id) {
  const auto it = runs_.find(run_id);
  if (it == runs_.end()) return std::nullopt;
  RunState& run = *it->second;
  if (run.status != RunStatus::created) {
    return fail(ErrorCode::conflict, "run " + run_id + " is " + std::string(to_string(run.status)) + ", not created");
  }
  run.status = RunStatus::queued;
  start(run);
  return Done{};
}

RunScheduler::RunCommandResult RunScheduler::cancel(const std::string& run_id) {
  const auto it = runs_.find(run_id);
  if (it == runs_.end() || is_final(it->second->status)) return std::nullopt;
  RunState& run = *it->second;
  // Once the body is final, only the exit handlers are left: a cancel stops them.
  const bool handlers = run.body_done();
  if (handlers ? run.handlers_cancelled : run.cancelling) return Done{};
  spdlog::info("run {}: cancelling{}", run.id, handlers ? " its exit handlers" : "");
  run.cancelling = true;
  run.handlers_cancelled = handlers;
  if (run.status == RunStatus::created || run.status == RunStatus::queued || run.status == RunStatus::paused) {
    run.status = RunStatus::running;  // so that it ends as cancelled through the same path
    if (run.started_at == 0) run.started_at = clock_.now_ms();
  }
  stop_nodes(run, handlers);
  return Done{};
}

// Walks every task in memory: a scrape costs what the unfinished runs hold,
// on the loop, once per scrape (not per change).
Result<SchedulerFigures> RunScheduler::figures() {
  return in_loop<SchedulerFigures>([this](auto reply) {
    SchedulerFigures figures;
    for (const auto& [id, run] : runs_) {
      const std::string& workflow = run->workflow->name;
      ++figures.runs[{workflow, std::string(to_string(run->status))}];
      for (const auto& node : run->nodes) {
        ++figures.tasks[{workflow, std::string(to_string(node.row.status))}];
        for (const auto& element : node.elements) ++figures.tasks[{workflow, std::string(to_string(element->status))}];
      }
    }
    figures.journal_backlog = journal_.backlog();
    figures.running_tasks = static_cast<size_t>(dispatcher_.running());
    reply(std::move(figures));
  });
}

void RunScheduler::set_observer(SchedulerObserver* observer) {
  observer_ = observer;
  journal_.set_observer(observer);
}

// ---------------------------------------------------------------------------
// Shutdown

void RunScheduler::drain(std::chrono::milliseconds grace, std::function<void()> done) {
  draining_ = true;
  lease_timer_.reset();
  dispatcher_.stop();
  drained_ = std::move(done);
  grace_timer_ = clock_.after(grace, [this] {
    if (!drained_) return;
    spdlog::warn("{} tasks still running at the end of the grace period; they are recovered at the next start",
                 dispatcher_.running());
    journal_.after_durable(std::exchange(drained_, nullptr));
  });
  check_drained();
}

void RunScheduler::check_drained() {
  if (!draining_ || !drained_ || dispatcher_.running() > 0) return;
  journal_.after_durable(std::exchange(drained_, nullptr));
}

}  // namespace weft::daemon
