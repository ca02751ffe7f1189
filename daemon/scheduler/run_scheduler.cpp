#include "scheduler/run_scheduler.hpp"

#include "core/json_text.hpp"
#include "scheduler/task_files.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <future>
#include <random>

namespace weft::daemon {

using nlohmann::json;

namespace {

// The workflow's resource hints (validated when it was stored), typed.
sdk::Resources resource_hints(const json& resources) {
  return {resources.value("cpus", 0.0), resources.value("memory_mb", int64_t{0}), resources.value("gpus", 0)};
}

std::string describe(const TaskState& t) {
  return "run " + t.run->id + " task " + t.node->spec->id + (t.index >= 0 ? "[" + std::to_string(t.index) + "]" : "");
}

// Exponential backoff with +-20% jitter, so that tasks failing together do not
// retry together.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt) {
  static thread_local std::mt19937 random{std::random_device{}()};
  const double base = std::min(policy.max_backoff_s, policy.backoff_s * std::pow(policy.backoff_factor, attempt - 1));
  const double jitter = std::uniform_real_distribution<double>(0.8, 1.2)(random);
  return std::chrono::milliseconds(static_cast<int64_t>(base * jitter * 1000));
}

bool failed_status(TaskStatus s) {
  return s == TaskStatus::failed || s == TaskStatus::cancelled || s == TaskStatus::upstream_failed;
}

}  // namespace

// A run request checked on the caller's thread, ready for the loop.
struct RunScheduler::PreparedRun {
  std::shared_ptr<const Workflow> workflow;
  int64_t version = 0;
  json params;
  std::string idempotency_key;
  bool start = true;
};

RunScheduler::RunScheduler(boost::asio::io_context& io, PluginHost& plugins, StoreClient& store,
                           SchedulerSettings settings)
    : io_(io),
      plugins_(plugins),
      store_(store),
      settings_(std::move(settings)),
      writer_(io, store),
      journal_(io, writer_) {}

RunScheduler::~RunScheduler() { journal_.stop(); }

template <class T, class Body>
Result<T> RunScheduler::in_loop(Body&& body) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  boost::asio::post(io_, [this, promise, body = std::forward<Body>(body)]() mutable {
    try {
      body([promise](Result<T> result) { promise->set_value(std::move(result)); });
    } catch (const std::exception& e) {
      spdlog::error("command failed unexpectedly: {}", e.what());
      promise->set_value(fail(ErrorCode::internal, e.what()));
    }
  });
  return future.get();
}

// ---------------------------------------------------------------------------
// Commands

Result<WorkflowApplied> RunScheduler::apply_workflow(const json& document,
                                                     const std::optional<std::string>& expected_name) {
  auto parsed = parse_workflow(document, plugins_);
  if (!parsed) return parsed.failure();
  const std::string name = parsed->name;
  if (expected_name && *expected_name != name) {
    return fail(ErrorCode::invalid_request,
                "the document's name '" + name + "' differs from the name in the path '" + *expected_name + "'",
                {{"/name", "must be '" + *expected_name + "'"}});
  }
  WorkflowRecord record{name, 0, document.dump(), document_digest(document), now_ms(), false};
  return in_loop<WorkflowApplied>([this, record = std::move(record)](auto reply) mutable {
    auto latest = latest_workflows_.find(record.name);
    if (latest == latest_workflows_.end()) {
      const auto stored = store_.get_workflow(record.name, 0);
      latest = stored ? latest_workflows_.emplace(record.name, *stored).first : latest_workflows_.end();
    }
    if (latest != latest_workflows_.end() && !latest->second.deleted && latest->second.digest == record.digest) {
      return reply(WorkflowApplied{record.name, latest->second.version, false});
    }
    record.version = latest == latest_workflows_.end() ? 1 : latest->second.version + 1;
    latest_workflows_[record.name] = record;
    WriteBatch batch;
    batch.workflows.push_back(record);
    journal_.write(std::move(batch), [this, record, reply](const std::string& error) {
      if (!error.empty()) {
        latest_workflows_.erase(record.name);  // read it again from the store next time
        return reply(fail(ErrorCode::unavailable, "the workflow was not stored: " + error));
      }
      spdlog::info("workflow {} version {} stored", record.name, record.version);
      reply(WorkflowApplied{record.name, record.version, true});
    });
  });
}

Status RunScheduler::delete_workflow(const std::string& name) {
  return in_loop<Done>([this, name](auto reply) {
    auto latest = latest_workflows_.find(name);
    if (latest == latest_workflows_.end()) {
      const auto stored = store_.get_workflow(name, 0);
      if (stored) latest = latest_workflows_.emplace(name, *stored).first;
    }
    if (latest == latest_workflows_.end() || latest->second.deleted) {
      return reply(fail(ErrorCode::not_found, "no workflow named '" + name + "'"));
    }
    latest->second.deleted = true;
    WriteBatch batch;
    batch.workflows.push_back(latest->second);
    journal_.write(std::move(batch), [this, name, reply](const std::string& error) {
      if (!error.empty()) {
        latest_workflows_.erase(name);
        return reply(fail(ErrorCode::unavailable, "the workflow was not deleted: " + error));
      }
      reply(Done{});
    });
  });
}

Result<RunCreated> RunScheduler::create_run(const RunRequest& request) {
  auto prepared = std::make_shared<PreparedRun>();
  if (request.document) {
    auto parsed = parse_workflow(*request.document, plugins_);
    if (!parsed) return parsed.failure();
    prepared->workflow = std::make_shared<const Workflow>(std::move(parsed.value()));
  } else {
    const auto stored = store_.get_workflow(request.workflow, 0);
    if (!stored || stored->deleted) {
      return fail(ErrorCode::not_found, "no workflow named '" + request.workflow + "'");
    }
    auto parsed = parse_workflow_text(stored->document_json, plugins_);
    if (!parsed) {
      auto failure = parsed.failure();
      failure.message = "workflow '" + request.workflow + "' version " + std::to_string(stored->version) +
                        " cannot run with the plugins loaded now: " + failure.message;
      return failure;
    }
    prepared->workflow = std::make_shared<const Workflow>(std::move(parsed.value()));
    prepared->version = stored->version;
  }
  if (!request.params.is_object()) {
    return fail(ErrorCode::invalid_request, "params must be an object", {{"/params", "must be an object"}});
  }
  auto problems = validate_run_params(*prepared->workflow, request.params);
  if (!problems.empty()) {
    return fail(ErrorCode::invalid_request, "the run's params are invalid", std::move(problems));
  }
  prepared->params = effective_run_params(*prepared->workflow, request.params);
  prepared->idempotency_key = request.idempotency_key;
  prepared->start = request.start;
  if (!request.idempotency_key.empty()) {
    if (auto earlier = find_by_idempotency_key(request.idempotency_key)) return std::move(*earlier);
  }
  return in_loop<RunCreated>([this, prepared](auto reply) { create_prepared(prepared, reply); });
}

std::optional<RunCreated> RunScheduler::find_by_idempotency_key(const std::string& key) const {
  RunFilter filter;
  filter.idempotency_key = key;
  filter.limit = 1;
  const auto earlier = store_.list_runs(filter);
  if (earlier.empty()) return std::nullopt;
  return RunCreated{earlier.front().id, earlier.front().status, false};
}

void RunScheduler::create_prepared(const std::shared_ptr<PreparedRun>& prepared,
                                   const std::function<void(Result<RunCreated>)>& reply) {
  if (draining_) return reply(fail(ErrorCode::unavailable, "weftd is shutting down"));
  const std::string& key = prepared->idempotency_key;
  if (!key.empty()) {
    const auto same = idempotency_in_flight_.find(key);
    if (same != idempotency_in_flight_.end()) {
      const auto run = runs_.find(same->second);
      const RunStatus status = run != runs_.end() ? run->second->status : RunStatus::queued;
      return reply(RunCreated{same->second, status, false});
    }
    // Asked again here: a run with this key may have been stored since the
    // caller looked, its in-flight entry already gone.
    if (auto earlier = find_by_idempotency_key(key)) return reply(std::move(*earlier));
  }
  auto run = std::make_unique<RunState>(run_ids_.next(now_ms()), prepared->workflow, prepared->version);
  run->status = prepared->start ? RunStatus::queued : RunStatus::created;
  run->params = std::move(prepared->params);
  run->params_text = run->params.dump();
  run->document_text = prepared->workflow->document.dump();
  run->idempotency_key = key;
  run->created_at = now_ms();
  RunState& r = *run;
  runs_.emplace(r.id, std::move(run));
  journal_.mark(r);
  for (auto& node : r.nodes) journal_.mark(node.row);
  if (!key.empty()) idempotency_in_flight_.emplace(key, r.id);
  journal_.after_durable([this, id = r.id, key, reply] {
    idempotency_in_flight_.erase(key);
    const auto run = runs_.find(id);
    reply(RunCreated{id, run != runs_.end() ? run->second->status : RunStatus::queued, true});
  });
  spdlog::info("run {} of workflow {} created", r.id, r.workflow->name);
  if (prepared->start) start(r);
}

Status RunScheduler::start_run(const std::string& run_id) { return run_command(run_id, &RunScheduler::start_created); }

Status RunScheduler::cancel_run(const std::string& run_id) { return run_command(run_id, &RunScheduler::cancel); }

// Carries out a command on a run in the loop, answering once its changes are stored.
Status RunScheduler::run_command(const std::string& run_id, Status (RunScheduler::*command)(const std::string&)) {
  return in_loop<Done>([this, run_id, command](auto reply) {
    const Status status = (this->*command)(run_id);
    if (!status) return reply(status);
    journal_.after_durable([reply] { reply(Done{}); });
  });
}

Status RunScheduler::start_created(const std::string& run_id) {
  const auto it = runs_.find(run_id);
  if (it == runs_.end()) {
    const auto stored = store_.get_run(run_id);
    if (!stored) return fail(ErrorCode::not_found, "no run '" + run_id + "'");
    return fail(ErrorCode::conflict,
                "run " + run_id + " is " + std::string(to_string(stored->status)) + ", not created");
  }
  RunState& run = *it->second;
  if (run.status != RunStatus::created) {
    return fail(ErrorCode::conflict, "run " + run_id + " is " + std::string(to_string(run.status)) + ", not created");
  }
  run.status = RunStatus::queued;
  start(run);
  return Done{};
}

Status RunScheduler::cancel(const std::string& run_id) {
  const auto it = runs_.find(run_id);
  if (it == runs_.end() || is_final(it->second->status)) {
    const auto stored = store_.get_run(run_id);
    if (!stored) return fail(ErrorCode::not_found, "no run '" + run_id + "'");
    return fail(ErrorCode::conflict, "run " + run_id + " has already " + std::string(to_string(stored->status)));
  }
  RunState& run = *it->second;
  if (run.cancelling) return Done{};
  spdlog::info("run {}: cancelling", run.id);
  run.cancelling = true;
  if (run.status == RunStatus::created || run.status == RunStatus::queued) {
    run.status = RunStatus::running;  // so that it ends as cancelled through the same path
    if (run.started_at == 0) run.started_at = now_ms();
  }
  // Tasks not yet started end at once; running ones are stopped and end when
  // their executor says so. Nodes that wait on others end as those end.
  for (auto& node : run.nodes) {
    for (auto& element : node.elements) stop_task(*element);
    if (!node.is_for_each() || !node.expanded()) stop_task(node.row);
  }
  for (auto& node : run.nodes) {
    if (node.row.status == TaskStatus::pending && node.unmet == 0) resolve(node);
  }
  return Done{};
}

Status RunScheduler::retry_run(const std::string& run_id) {
  return in_loop<Done>([this, run_id](auto reply) { retry(run_id, reply); });
}

void RunScheduler::retry(const std::string& run_id, const std::function<void(Status)>& reply) {
  if (runs_.count(run_id)) {
    return reply(fail(ErrorCode::conflict, "run " + run_id + " has not finished; nothing to retry yet"));
  }
  const auto stored = store_.get_run(run_id);
  if (!stored) return reply(fail(ErrorCode::not_found, "no run '" + run_id + "'"));
  if (stored->status == RunStatus::succeeded) {
    return reply(fail(ErrorCode::conflict, "run " + run_id + " succeeded; nothing to retry"));
  }
  auto tasks = store_.list_tasks(run_id);
  for (auto& t : tasks) {
    if (!failed_status(t.status)) continue;
    t.status = t.index < 0 ? TaskStatus::pending : TaskStatus::ready;
    t.error.clear();
    t.exit_code.reset();
    t.finished_at = 0;
  }
  RunRecord record = *stored;
  record.status = RunStatus::running;
  record.error.clear();
  record.finished_at = 0;
  auto restored = restore(record, tasks);
  if (!restored) return reply(restored.failure());
  RunState& run = *restored.value();
  for (auto& node : run.nodes) {
    node.row.attempts_before = node.row.attempt;
    for (auto& e : node.elements) e->attempts_before = e->attempt;
  }
  runs_.emplace(run.id, std::move(restored.value()));
  journal_.mark(run);
  for (auto& node : run.nodes) {
    journal_.mark(node.row);
    for (auto& e : node.elements) journal_.mark(*e);
  }
  spdlog::info("run {}: retrying its failed tasks", run.id);
  resume(run);
  journal_.after_durable([reply] { reply(Done{}); });
}

// ---------------------------------------------------------------------------
// Recovery

void RunScheduler::recover() {
  RunFilter filter;
  filter.unfinished_only = true;
  const auto records = store_.list_runs(filter);
  for (const auto& record : records) {
    auto restored = restore(record, store_.list_tasks(record.id));
    if (!restored) {
      // Most likely a plugin it needs is gone: end it, saying why, rather
      // than leave it "running" forever.
      spdlog::error("run {} cannot be resumed and is marked failed: {}", record.id, restored.failure().message);
      WriteBatch batch;
      batch.runs.push_back(record);
      batch.runs.back().status = RunStatus::failed;
      batch.runs.back().error = "cannot be resumed after a restart: " + restored.failure().message;
      batch.runs.back().finished_at = now_ms();
      journal_.write(std::move(batch), [id = record.id](const std::string& error) {
        if (!error.empty()) spdlog::error("run {}: {}", id, error);
      });
      continue;
    }
    RunState& run = *restored.value();
    runs_.emplace(run.id, std::move(restored.value()));
    spdlog::info("run {} of workflow {} resumed after a restart", run.id, run.workflow->name);
    resume(run);
  }
}

Result<std::unique_ptr<RunState>> RunScheduler::restore(const RunRecord& record, const std::vector<TaskRecord>& tasks) {
  auto parsed = parse_workflow_text(record.document_json, plugins_);
  if (!parsed) return parsed.failure();
  auto run = std::make_unique<RunState>(record.id, std::make_shared<const Workflow>(std::move(parsed.value())),
                                        record.version);
  run->status = record.status;
  run->params = json::parse(record.params_json.empty() ? "{}" : record.params_json, nullptr, false);
  run->params_text = record.params_json;
  run->document_text = record.document_json;
  run->idempotency_key = record.idempotency_key;
  run->error = record.error;
  run->created_at = record.created_at;
  run->started_at = record.started_at;
  run->finished_at = record.finished_at;
  for (const auto& t : tasks) {
    NodeState* node = run->node(t.node);
    if (node == nullptr) continue;
    TaskState* task = &node->row;
    if (t.index >= 0) {
      node->elements.push_back(std::make_unique<TaskState>());
      task = node->elements.back().get();
      task->run = run.get();
      task->node = node;
      task->index = t.index;
    }
    task->status = t.status;
    task->attempt = t.attempt;
    task->exit_code = t.exit_code;
    task->executor = t.executor;
    task->external_id = t.external_id;
    task->error = t.error;
    task->output_text = t.output_json;
    task->output = t.output_json.empty() ? json() : json::parse(t.output_json, nullptr, false);
    task->ready_at = t.ready_at;
    task->started_at = t.started_at;
    task->finished_at = t.finished_at;
  }
  return run;
}

// Rebuilds the counters from the restored rows, then sets going whatever was
// under way: tasks executors may still know are recovered through them, the
// rest are made ready again.
void RunScheduler::resume(RunState& run) {
  for (auto& node : run.nodes) {
    std::sort(node.elements.begin(), node.elements.end(),
              [](const auto& a, const auto& b) { return a->index < b->index; });
    node.unmet = 0;
    node.deps_succeeded = 0;
    node.dep_failed = false;
    for (const size_t d : node.spec->dependencies) {
      const TaskStatus s = run.nodes[d].row.status;
      if (!is_final(s)) ++node.unmet;
      if (s == TaskStatus::succeeded) ++node.deps_succeeded;
      if (failed_status(s)) node.dep_failed = true;
    }
    if (is_final(node.row.status)) ++run.nodes_final;
    if (node.is_for_each() && !node.elements.empty()) {
      if (node.row.status == TaskStatus::pending) node.row.status = TaskStatus::running;  // a retried node
      restore_items(node);
    }
    if (node.row.status == TaskStatus::succeeded && node.is_for_each()) {
      node.outputs = json::array();
      for (const auto& e : node.elements) node.outputs.push_back(e->output);
    }
  }
  if (run.status == RunStatus::created) return;
  if (run.status == RunStatus::queued) return start(run);
  for (auto& node : run.nodes) {
    std::vector<TaskState*> tasks;
    if (node.is_for_each()) {
      for (auto& e : node.elements) tasks.push_back(e.get());
      node.elements_final = static_cast<size_t>(
          std::count_if(tasks.begin(), tasks.end(), [](const TaskState* t) { return is_final(t->status); }));
    } else {
      tasks.push_back(&node.row);
    }
    for (TaskState* task : tasks) {
      switch (task->status) {
        case TaskStatus::ready:
        case TaskStatus::retrying: make_ready(*task); break;
        case TaskStatus::dispatched:
        case TaskStatus::running: recover_task(*task); break;
        default: break;
      }
    }
    if (node.is_for_each() && node.expanded() && !is_final(node.row.status) &&
        node.elements_final == node.elements.size()) {
      settle_node(node, TaskStatus::succeeded);  // settle_node looks at the elements
    }
  }
  for (auto& node : run.nodes) {
    if (node.row.status == TaskStatus::pending && node.unmet == 0 && !node.expanded()) resolve(node);
  }
  if (run.nodes_final == run.nodes.size()) finish_run(run);
}

// Elements keep only their index in the store; their items come from
// rendering for_each again, over the same stored upstream outputs and params.
void RunScheduler::restore_items(NodeState& node) {
  auto items = node.spec->for_each->render(*node.row.run, "/for_each");
  const bool usable = items && items->is_array() && items->size() == node.elements.size();
  for (auto& element : node.elements) {
    if (usable) {
      element->item = (*items)[static_cast<size_t>(element->index)];
    } else if (!is_final(element->status)) {
      element->status = TaskStatus::failed;
      element->error = "for_each no longer yields the items this task was made from";
      journal_.mark(*element);
    }
  }
}

// ---------------------------------------------------------------------------
// Progress

void RunScheduler::start(RunState& run) {
  run.status = RunStatus::running;
  if (run.started_at == 0) run.started_at = now_ms();
  journal_.mark(run);
  spdlog::info("run {} started", run.id);
  for (auto& node : run.nodes) {
    if (node.unmet == 0) resolve(node);
  }
  if (run.nodes.empty()) finish_run(run);
}

// All of the node's dependencies are final: decide what becomes of it.
void RunScheduler::resolve(NodeState& node) {
  RunState& run = *node.row.run;
  if (run.cancelling) return settle_node(node, TaskStatus::cancelled, "the run was cancelled");
  if (node.dep_failed) return settle_node(node, TaskStatus::upstream_failed, "a dependency did not succeed");
  if (!node.spec->dependencies.empty() && node.deps_succeeded == 0) {
    return settle_node(node, TaskStatus::skipped, "every dependency was skipped");
  }
  if (node.spec->when) {
    auto test = node.spec->when->test(run);
    if (!test) return settle_node(node, TaskStatus::failed, "when: " + test.failure().message);
    if (!test.value()) return settle_node(node, TaskStatus::skipped);
  }
  if (node.is_for_each()) return expand(node);
  make_ready(node.row);
}

void RunScheduler::expand(NodeState& node) {
  RunState& run = *node.row.run;
  auto items = node.spec->for_each->render(run, "/for_each");
  if (!items) return settle_node(node, TaskStatus::failed, "for_each: " + items.failure().message);
  if (!items->is_array()) {
    return settle_node(
        node, TaskStatus::failed,
        "for_each: '" + node.spec->for_each->source() + "' gave " + items->type_name() + ", not an array");
  }
  node.row.status = TaskStatus::running;
  node.row.started_at = now_ms();
  journal_.mark(node.row);
  if (items->empty()) return settle_node(node, TaskStatus::succeeded);
  node.elements.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    auto element = std::make_unique<TaskState>();
    element->run = &run;
    element->node = &node;
    element->index = static_cast<int64_t>(i);
    element->item = std::move((*items)[i]);
    node.elements.push_back(std::move(element));
    make_ready(*node.elements.back());
  }
}

void RunScheduler::make_ready(TaskState& task) {
  task.status = TaskStatus::ready;
  task.ready_at = now_ms();
  journal_.mark(task);
  NodeState& node = *task.node;
  RunState& run = *task.run;
  node.ready.push_back(&task);
  if (!node.queued) {
    node.queued = true;
    run.nodes_with_ready.push_back(&node);
  }
  if (!run.queued) {
    run.queued = true;
    runs_with_ready_.push_back(&run);
  }
  schedule_pump();
}

void RunScheduler::schedule_pump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  boost::asio::post(io_, [this] { pump(); });
}

// Hands ready tasks out, round robin over runs and over each run's nodes,
// within the daemon's, the run's and the node's limits. A run or node that is
// at its limit leaves the queue and comes back when one of its tasks ends.
void RunScheduler::pump() {
  pump_scheduled_ = false;
  while (!draining_ && running_ < settings_.max_running_tasks && !runs_with_ready_.empty()) {
    RunState& run = *runs_with_ready_.front();
    runs_with_ready_.pop_front();
    run.queued = false;
    const int run_limit = run.workflow->max_parallel.value_or(settings_.max_running_tasks);
    if (run.nodes_with_ready.empty() || run.running >= run_limit) continue;
    NodeState& node = *run.nodes_with_ready.front();
    run.nodes_with_ready.pop_front();
    node.queued = false;
    const int node_limit = node.spec->max_parallel.value_or(run_limit);
    while (!node.ready.empty() && node.running < node_limit && run.running < run_limit &&
           running_ < settings_.max_running_tasks) {
      TaskState& task = *node.ready.front();
      node.ready.pop_front();
      if (task.status == TaskStatus::ready) dispatch(task);
    }
    if (!node.ready.empty() && node.running < node_limit) {
      node.queued = true;
      run.nodes_with_ready.push_back(&node);
    }
    if (!run.nodes_with_ready.empty() && run.running < run_limit) {
      run.queued = true;
      runs_with_ready_.push_back(&run);
    }
  }
}

void RunScheduler::dispatch(TaskState& task) {
  NodeState& node = *task.node;
  ++task.attempt;
  task.error.clear();
  task.exit_code.reset();
  task.external_id.clear();
  task.timed_out = false;
  take_slot(task);
  auto planned = plan_attempt(task);
  if (!planned) return fail_attempt(task, planned.failure().message);
  task.started_at = now_ms();  // executors report their own start; inline work starts now
  sdk::Plan& plan = planned.value();
  switch (plan.kind) {
    case WEFT_PLAN_OUTPUT: return succeed(task, std::move(plan.output));
    case WEFT_PLAN_FAILED: return fail_attempt(task, std::move(plan.error));
    case WEFT_PLAN_PENDING:
      task.status = TaskStatus::running;
      journal_.mark(task);
      active_[task.key()] = &task;
      arm_timeout(task);
      return;
    case WEFT_PLAN_COMMAND: task.spec->command = std::move(plan.command); return launch(task);
  }
  fail_attempt(task, "node type '" + node.spec->type + "' decided a plan of unknown kind");
}

// Renders the attempt's params and asks the node type what to do with them;
// task.spec holds the attempt from here until it ends.
Result<sdk::Plan> RunScheduler::plan_attempt(TaskState& task) {
  const NodeState& node = *task.node;
  const RunState& run = *task.run;
  NodeTypeHandle* type = plugins_.node_type(node.spec->type);
  if (type == nullptr) return fail(ErrorCode::unavailable, "node type '" + node.spec->type + "' is not loaded");
  const TaskScope scope(run, task.item, static_cast<size_t>(std::max<int64_t>(task.index, 0)));
  auto params = node.spec->params_template->render(task.index >= 0 ? static_cast<const Scope&>(scope) : run);
  if (!params) return params.failure();
  const auto files = task_files(settings_.state_dir, run.id, node.spec->id, task.index, task.attempt);
  auto spec = std::make_unique<sdk::TaskSpec>();
  spec->task_key = task.key();
  spec->run_id = run.id;
  spec->workflow = run.workflow->name;
  spec->node = node.spec->id;
  if (task.index >= 0) spec->index = task.index;
  spec->attempt = task.attempt;
  spec->executor = node.spec->executor;
  spec->params = std::move(params.value());
  spec->resources = resource_hints(node.spec->resources);
  spec->timeout_s = node.spec->timeout_s.value_or(0);
  spec->stdout_path = files.stdout_path.string();
  spec->stderr_path = files.stderr_path.string();
  spec->output_path = files.output_path.string();
  task.spec = std::move(spec);
  return type->plan(*task.spec);
}

// Records the task as dispatched, and starts it once that is stored.
void RunScheduler::launch(TaskState& task) {
  NodeState& node = *task.node;
  ExecutorHandle* executor = plugins_.executor(node.spec->executor);
  if (executor == nullptr) return fail_attempt(task, "executor '" + node.spec->executor + "' is not loaded");
  const std::string key = task.key();
  task.status = TaskStatus::dispatched;
  task.executor = node.spec->executor;
  journal_.mark(task);
  active_[key] = &task;
  journal_.after_durable([this, &task, executor, key] {
    if (task.status != TaskStatus::dispatched || task.key() != key) return;
    if (task.cancel_requested) {
      active_.erase(key);
      release_slot(task);
      return settle(task, TaskStatus::cancelled);
    }
    const Status started = executor->start(*task.spec);
    if (!started) {
      active_.erase(key);
      return fail_attempt(task, started.failure().message);
    }
    arm_timeout(task);
  });
}

// After a restart, a task its executor may still be running: planned again
// (plans that run a command are deterministic) to rebuild the spec, and
// handed back to the executor, which reports its end or that it lost it.
void RunScheduler::recover_task(TaskState& task) {
  ExecutorHandle* executor = task.executor.empty() ? nullptr : plugins_.executor(task.executor);
  if (executor == nullptr) {
    return lose(task, "weftd restarted while the task ran, and its executor '" + task.executor + "' is gone");
  }
  take_slot(task);
  auto planned = plan_attempt(task);
  if (!planned || planned->kind != WEFT_PLAN_COMMAND) {
    return lose(task, "weftd restarted while the task ran, and planning it again gave no command: " +
                          (planned ? std::string("the node type decided otherwise") : planned.failure().message));
  }
  task.spec->command = std::move(planned->command);
  const std::string key = task.key();
  active_[key] = &task;
  const Status recovered = executor->recover(*task.spec, task.external_id);
  if (!recovered) {
    active_.erase(key);
    lose(task, recovered.failure().message);
  }
}

void RunScheduler::post_task_event(TaskEvent event) {
  boost::asio::post(io_, [this, event = std::move(event)] { on_task_event(event); });
}

void RunScheduler::on_task_event(const TaskEvent& event) {
  const auto it = active_.find(event.task_key);
  if (it == active_.end()) {
    spdlog::debug("event for task {} that is not running here; ignored", event.task_key);
    return;
  }
  TaskState& task = *it->second;
  switch (event.kind) {
    case WEFT_EVENT_STARTED:
      // Stored with the next batch rather than in one of its own: a short
      // task's end usually follows within milliseconds, and one commit per
      // task, not two, is what keeps chains fast. If weftd dies first, the
      // executor finds the task by its key instead (see recover).
      task.status = TaskStatus::running;
      task.external_id = event.external_id;
      task.started_at = now_ms();
      journal_.mark_soon(task);
      return;
    case WEFT_EVENT_FINISHED: active_.erase(it); return on_finished(task, event);
    case WEFT_EVENT_LOST: active_.erase(it); return lose(task, event.error);
  }
}

void RunScheduler::on_finished(TaskState& task, const TaskEvent& event) {
  if (task.timer) task.timer->cancel();
  task.exit_code = event.exit_code;
  if (task.cancel_requested) {
    release_slot(task);
    task.error = "cancelled";
    return settle(task, TaskStatus::cancelled);
  }
  if (task.timed_out) {
    return fail_attempt(task,
                        "timed out after " + std::to_string(static_cast<int64_t>(*task.node->spec->timeout_s)) + " s");
  }
  if (!event.output_json.empty()) {
    auto parsed = parse_json(event.output_json);
    if (!parsed) return fail_attempt(task, "the task's output is " + parsed.failure().message);
  }
  NodeTypeHandle* type = plugins_.node_type(task.node->spec->type);
  if (type == nullptr) return fail_attempt(task, "node type '" + task.node->spec->type + "' is not loaded");
  const sdk::TaskResult result{task.spec.get(), event.exit_code, event.output_json, event.error};
  auto finished = type->finish(result);
  if (!finished) return fail_attempt(task, finished.failure().message);
  if (finished->kind == WEFT_PLAN_OUTPUT) return succeed(task, std::move(finished->output));
  fail_attempt(task, finished->error.empty() ? "the node type reported no output" : std::move(finished->error));
}

void RunScheduler::succeed(TaskState& task, json output) {
  release_slot(task);
  task.output_text = output.dump();
  task.output = std::move(output);
  settle(task, TaskStatus::succeeded);
}

void RunScheduler::fail_attempt(TaskState& task, std::string error) {
  release_slot(task);
  task.error = std::move(error);
  const RetryPolicy& policy = task.node->spec->retry;
  if (task.attempt - task.attempts_before < policy.max_attempts && !task.run->cancelling) {
    spdlog::info("{} attempt {} failed, retrying: {}", describe(task), task.attempt, task.error);
    task.status = TaskStatus::retrying;
    journal_.mark(task);
    task.timer = std::make_unique<boost::asio::steady_timer>(io_, backoff(policy, task.attempt));
    task.timer->async_wait([this, &task](const boost::system::error_code& ec) {
      if (!ec && task.status == TaskStatus::retrying) make_ready(task);
    });
    return;
  }
  spdlog::info("{} failed: {}", describe(task), task.error);
  settle(task, TaskStatus::failed);
}

// The task's attempt vanished (a weftd restart, an executor that forgot it):
// not the task's fault, so it runs again without using up an attempt, up to a
// bound that keeps a task that always gets lost from cycling forever.
void RunScheduler::lose(TaskState& task, const std::string& error) {
  constexpr int max_losses = 3;
  release_slot(task);
  spdlog::warn("{} attempt {} was lost: {}", describe(task), task.attempt, error);
  if (task.cancel_requested || task.run->cancelling) return settle(task, TaskStatus::cancelled);
  if (++task.lost_count > max_losses) {
    task.error = "lost " + std::to_string(max_losses) + " times, last: " + error;
    return settle(task, TaskStatus::failed);
  }
  --task.attempt;
  make_ready(task);
}

// A task reached a final status.
void RunScheduler::settle(TaskState& task, TaskStatus status) {
  if (task.timer) task.timer->cancel();
  task.status = status;
  task.finished_at = now_ms();
  journal_.mark(task);
  NodeState& node = *task.node;
  if (task.index < 0) return settle_node(node, status, task.error);
  if (++node.elements_final < node.elements.size()) return;
  settle_node(node, TaskStatus::succeeded);
}

// The node reached a final status: for a for_each node, `status` succeeded
// means "all elements are final" and the elements decide.
void RunScheduler::settle_node(NodeState& node, TaskStatus status, std::string error) {
  RunState& run = *node.row.run;
  if (node.expanded() && status == TaskStatus::succeeded) {
    const auto bad = std::count_if(node.elements.begin(), node.elements.end(),
                                   [](const auto& e) { return e->status != TaskStatus::succeeded; });
    if (bad > 0) {
      const bool cancelled = std::all_of(node.elements.begin(), node.elements.end(), [](const auto& e) {
        return e->status == TaskStatus::succeeded || e->status == TaskStatus::cancelled;
      });
      status = cancelled ? TaskStatus::cancelled : TaskStatus::failed;
      error = std::to_string(bad) + " of " + std::to_string(node.elements.size()) + " tasks did not succeed";
    } else {
      node.outputs = json::array();
      for (const auto& e : node.elements) node.outputs.push_back(e->output);
    }
  }
  if (node.row.status != status || node.expanded()) {
    node.row.status = status;
    node.row.error = std::move(error);
    if (node.row.finished_at == 0) node.row.finished_at = now_ms();
    journal_.mark(node.row);
  }
  ++run.nodes_final;
  for (const size_t d : node.spec->dependents) {
    NodeState& dependent = run.nodes[d];
    if (status == TaskStatus::succeeded) ++dependent.deps_succeeded;
    if (failed_status(status)) dependent.dep_failed = true;
    if (--dependent.unmet == 0) resolve(dependent);
  }
  if (run.nodes_final == run.nodes.size()) finish_run(run);
}

void RunScheduler::finish_run(RunState& run) {
  if (is_final(run.status)) return;  // the last node settled deeper in this same cascade
  const bool any_failed = std::any_of(run.nodes.begin(), run.nodes.end(), [](const NodeState& n) {
    return n.row.status == TaskStatus::failed || n.row.status == TaskStatus::upstream_failed;
  });
  run.status = run.cancelling ? RunStatus::cancelled : any_failed ? RunStatus::failed : RunStatus::succeeded;
  run.finished_at = now_ms();
  journal_.mark(run);
  runs_with_ready_.erase(std::remove(runs_with_ready_.begin(), runs_with_ready_.end(), &run), runs_with_ready_.end());
  spdlog::info("run {} {}", run.id, to_string(run.status));
  // Marked state must outlive its write; the run is let go once stored.
  journal_.after_durable([this, id = run.id] {
    runs_.erase(id);
    check_drained();
  });
}

void RunScheduler::arm_timeout(TaskState& task) {
  if (!task.node->spec->timeout_s) return;
  const auto limit = std::chrono::milliseconds(static_cast<int64_t>(*task.node->spec->timeout_s * 1000));
  task.timer = std::make_unique<boost::asio::steady_timer>(io_, limit);
  task.timer->async_wait([this, &task, key = task.key()](const boost::system::error_code& ec) {
    if (ec || !active_.count(key)) return;
    spdlog::info("{} timed out", describe(task));
    task.timed_out = true;
    if (task.executor.empty()) {
      if (auto* type = plugins_.node_type(task.node->spec->type)) type->cancel(key);
    } else if (auto* executor = plugins_.executor(task.executor)) {
      executor->cancel(key);
    }
  });
}

// Cancellation of one task: what has not started ends now; what runs is
// asked to stop, and ends when its executor or node type reports it.
void RunScheduler::stop_task(TaskState& task) {
  switch (task.status) {
    case TaskStatus::pending:
    case TaskStatus::ready:
    case TaskStatus::retrying:
      task.error = "cancelled";
      if (task.index >= 0 || task.node->unmet == 0) settle(task, TaskStatus::cancelled);
      return;
    case TaskStatus::dispatched:
      task.cancel_requested = true;  // the start, still waiting for the store, will not happen
      return;
    case TaskStatus::running: {
      task.cancel_requested = true;
      const std::string key = task.key();
      if (task.executor.empty()) {
        if (auto* type = plugins_.node_type(task.node->spec->type)) type->cancel(key);
      } else if (auto* executor = plugins_.executor(task.executor)) {
        const Status cancelled = executor->cancel(key);
        if (!cancelled) spdlog::warn("{}: cancel failed: {}", describe(task), cancelled.failure().message);
      }
      return;
    }
    default: return;
  }
}

void RunScheduler::take_slot(TaskState& task) {
  task.holds_slot = true;
  ++task.node->running;
  ++task.run->running;
  ++running_;
}

// The attempt is over: its slot is given back, and its spec let go.
void RunScheduler::release_slot(TaskState& task) {
  task.spec.reset();
  if (!task.holds_slot) return;
  task.holds_slot = false;
  NodeState& node = *task.node;
  RunState& run = *task.run;
  --node.running;
  --run.running;
  --running_;
  // The node and run may have waited on their limits: queue them again.
  if (!node.ready.empty() && !node.queued) {
    node.queued = true;
    run.nodes_with_ready.push_back(&node);
  }
  if (!run.nodes_with_ready.empty() && !run.queued) {
    run.queued = true;
    runs_with_ready_.push_back(&run);
  }
  schedule_pump();
  check_drained();
}

void RunScheduler::drain(std::chrono::milliseconds grace, std::function<void()> done) {
  draining_ = true;
  drained_ = std::move(done);
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, grace);
  timer->async_wait([this, timer](const boost::system::error_code&) {
    if (!drained_) return;
    spdlog::warn("{} tasks still running at the end of the grace period; they are recovered at the next start",
                 running_);
    journal_.after_durable(std::exchange(drained_, nullptr));
  });
  check_drained();
}

void RunScheduler::check_drained() {
  if (!draining_ || !drained_ || running_ > 0) return;
  journal_.after_durable(std::exchange(drained_, nullptr));
}

}  // namespace weft::daemon
