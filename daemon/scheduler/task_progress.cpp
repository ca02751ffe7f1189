// How runs and tasks move on, event by event: RunScheduler's progress (see
// run_scheduler.hpp). Every function runs on the loop and touches only what
// the event changed. Over 400 lines: one state machine of tasks and runs,
// whose transitions read best side by side (commands and recovery are apart).
#include "core/json_text.hpp"
#include "scheduler/queue_delivery.hpp"
#include "scheduler/run_graph.hpp"
#include "scheduler/run_scheduler.hpp"
#include "scheduler/task_files.hpp"
#include "workflow/whole_run.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace weft::daemon {

using nlohmann::json;

namespace {

// Both log files of the attempt that just ended; the first one's overflow when
// the limit fails tasks.
std::optional<std::string> enforce_log_limits(const TaskState& task, const TaskLogLimit& limit) {
  if (!task.spec) return std::nullopt;
  auto out = enforce_log_limit(limit, task.spec->stdout_path);
  auto err = enforce_log_limit(limit, task.spec->stderr_path);
  return out ? out : err;
}

// Exponential backoff with +-20% jitter, so that tasks failing together do not
// retry together; the jitter never takes it past max_backoff_s, which users
// size against deadlines of their own.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt) {
  static thread_local std::mt19937 random{std::random_device{}()};
  const double base = std::min(policy.max_backoff_s, policy.backoff_s * std::pow(policy.backoff_factor, attempt - 1));
  const double jitter = std::uniform_real_distribution<double>(0.8, 1.2)(random);
  return delay_of(std::min(policy.max_backoff_s, base * jitter));
}

// A template the task reads (its params, its cache key), rendered in its
// scope: a for_each element's has item and index.
template <class Template>
auto render_for(const TaskState& task, const Template& compiled) {
  const TaskScope scope(*task.run, task.item, static_cast<size_t>(std::max<int64_t>(task.index, 0)));
  return compiled.render(task.index >= 0 ? static_cast<const Scope&>(scope) : *task.run);
}

}  // namespace

void RunScheduler::start(RunState& run) {
  run.status = RunStatus::running;
  if (run.started_at == 0) run.started_at = clock_.now_ms();
  arm_run_timeout(run, run.started_at);
  journal_.mark(run);
  spdlog::info("run {} started", run.id);
  if (!submit_whole(run)) return;
  for (auto& node : run.nodes) {
    if (node.unmet == 0) resolvable_.push_back(&node);
  }
  resolve_ready_dependents();
  if (run.nodes.empty()) finish_run(run);
}

// A run whose executor takes it whole (workflow/whole_run.hpp) is handed to
// it before any of its tasks: their starts then follow what it submitted.
// False: it could not be, and the run fails at its first nodes.
bool RunScheduler::submit_whole(RunState& run) {
  const auto executor = whole_run_executor(*run.workflow, runtime_);
  if (!executor) return true;
  auto graph = build_run_graph(run, runtime_);
  const Status submitted = graph ? runtime_.start_run(*executor, *graph) : Status(graph.failure());
  if (submitted) {
    spdlog::info("run {} submitted whole to executor {}", run.id, *executor);
    return true;
  }
  run.error = "the run could not be submitted whole to executor '" + *executor + "': " + submitted.failure().message;
  std::vector<NodeState*> first;
  for (auto& node : run.nodes) {
    if (node.unmet == 0) first.push_back(&node);
  }
  for (NodeState* node : first) settle_node(*node, TaskStatus::failed, run.error);
  return false;
}

// All of the node's dependencies are final: decide what becomes of it, by
// its trigger rule, then its `when`.
void RunScheduler::resolve(NodeState& node) {
  if (is_final(node.row.status)) return;  // decided before the run was retried, and kept
  RunState& run = *node.row.run;
  if (run.stops(*node.spec)) {
    const bool cancelled = run.cancelling || node.spec->on_exit;
    return settle_node(node, TaskStatus::cancelled,
                       cancelled ? "the run was cancelled" : "the run stopped at its first failure (fail_fast)");
  }
  const DependencyTally deps{static_cast<int>(node.spec->dependencies.size()), node.deps_succeeded, node.deps_failed};
  auto decision = decide_trigger(node.spec->trigger_rule, deps);
  if (decision.outcome == TriggerOutcome::upstream_failed) {
    return settle_node(node, TaskStatus::upstream_failed, std::move(decision.reason));
  }
  if (decision.outcome == TriggerOutcome::skipped) {
    return settle_node(node, TaskStatus::skipped, std::move(decision.reason));
  }
  if (node.spec->when) {
    auto test = node.spec->when->test(run);
    if (!test) return settle_node(node, TaskStatus::failed, "when: " + test.failure().message);
    if (!test.value()) return settle_node(node, TaskStatus::skipped);
  }
  if (node.is_for_each()) return expand(node);
  make_ready(node.row);
}

// Resolves the nodes whose dependencies all became final, in a loop rather
// than by recursion: resolving one may settle it (skipped, upstream_failed),
// which makes its dependents resolvable in turn, and a chain of 100,000 such
// nodes must not take 100,000 stack frames. Only the outermost call loops.
void RunScheduler::resolve_ready_dependents() {
  if (resolving_) return;
  resolving_ = true;
  while (!resolvable_.empty()) {
    NodeState& node = *resolvable_.front();
    resolvable_.pop_front();
    resolve(node);
  }
  resolving_ = false;
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
  if (const auto most = static_cast<size_t>(limits().max_for_each_items); items->size() > most) {
    return settle_node(node, TaskStatus::failed,
                       "for_each: '" + node.spec->for_each->source() + "' gave " + std::to_string(items->size()) +
                           " items; limits.max_for_each_items allows " + std::to_string(most));
  }
  node.row.status = TaskStatus::running;
  node.row.started_at = clock_.now_ms();
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
  task.ready_at = clock_.now_ms();
  if (task.node->spec->cache) {
    if (!task.cache) task.cache = std::make_unique<TaskCache>();
    *task.cache = TaskCache{};  // each attempt is looked up afresh
  }
  journal_.mark(task);
  dispatcher_.enqueue(task);
}

// A task's turn came (the Dispatcher has a slot for it). A task of a node
// with a cache is first looked up, without the slot, and queued again with
// the answer (task_cache.cpp).
void RunScheduler::dispatch(TaskState& task) {
  NodeState& node = *task.node;
  std::optional<std::string> key_error;
  if (task.cache && task.cache->lookup == TaskCache::Lookup::due) {
    auto key = render_for(task, node.spec->cache->key);
    if (key) return look_up_cache(task, cache_key_of(*key));
    key_error = "cache.key: " + key.failure().message;
    task.cache->lookup = TaskCache::Lookup::done;
  }
  ++task.attempt;
  task.error.clear();
  task.exit_code.reset();
  task.external_id.clear();
  task.timed_out = false;
  task.started_at = clock_.now_ms();  // executors report their own start; inline work starts now
  task.trace = {task.attempt, TaskStatus::running, std::nullopt, {}, {}, {}, task.started_at, 0};
  if (task.budget_started_at == 0) task.budget_started_at = task.started_at;
  dispatcher_.take(task);
  if (key_error) return fail_attempt(task, std::move(*key_error));
  if (task.cache && task.cache->found_output) return take_from_cache(task);
  auto planned = plan_attempt(task);
  if (!planned) return fail_attempt(task, planned.failure().message);
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
  auto params = render_for(task, *node.spec->params_template);
  if (!params) return params.failure();
  const auto files = task_files(settings_.state_dir, run.id, node.spec->id, task.index, task.attempt);
  auto spec = std::make_unique<sdk::TaskSpec>();
  spec->task_key = task.key();
  spec->run_id = run.id;
  spec->workflow = run.workflow->name;
  spec->node = node.spec->id;
  if (task.index >= 0) {
    spec->index = task.index;
    spec->for_each_count = static_cast<int64_t>(node.elements.size());
  }
  spec->max_parallel = node.spec->max_parallel.value_or(0);
  spec->attempt = task.attempt;
  spec->executor = node.spec->executor;
  spec->params = std::move(params.value());
  spec->resources = resource_hints(node.spec->resources);
  spec->timeout_s = node.spec->timeout_s.value_or(0);
  spec->stdout_path = files.stdout_path.string();
  spec->stderr_path = files.stderr_path.string();
  spec->output_path = files.output_path.string();
  task.trace.stdout_path = spec->stdout_path;
  task.trace.stderr_path = spec->stderr_path;
  task.spec = std::move(spec);
  return runtime_.plan(node.spec->type, *task.spec);
}

// Records the task as dispatched, and starts it once that is stored.
void RunScheduler::launch(TaskState& task) {
  NodeState& node = *task.node;
  if (!runtime_.has_executor(node.spec->executor)) {
    return fail_attempt(task, "executor '" + node.spec->executor + "' is not loaded");
  }
  const std::string key = task.key();
  task.status = TaskStatus::dispatched;
  task.executor = node.spec->executor;
  task.start_sent = false;
  journal_.mark(task);
  active_[key] = &task;
  journal_.after_durable([this, &task, key] {
    if (task.status != TaskStatus::dispatched || task.key() != key || task.run->abandoned) return;
    if (task.cancel_requested) {
      active_.erase(key);
      end_attempt(task, TaskStatus::cancelled, "cancelled before it started");
      return settle(task, TaskStatus::cancelled);
    }
    const Status started = runtime_.start(task.executor, *task.spec);
    if (!started) {
      active_.erase(key);
      if (observer_ != nullptr) observer_->submit_failed(task.executor);
      return fail_attempt(task, started.failure().message);
    }
    task.start_sent = true;
    arm_timeout(task);
  });
}

// After a restart, a task its executor may still be running: planned again
// (plans that run a command are deterministic) to rebuild the spec, and
// handed back to the executor, which reports its end or that it lost it.
void RunScheduler::recover_task(TaskState& task) {
  task.trace = {task.attempt, TaskStatus::running, std::nullopt, {}, {}, {}, task.started_at, 0};
  if (task.executor.empty() || !runtime_.has_executor(task.executor)) {
    return lose(task, "weftd restarted while the task ran, and its executor '" + task.executor + "' is gone");
  }
  dispatcher_.take(task);
  auto planned = plan_attempt(task);
  if (!planned || planned->kind != WEFT_PLAN_COMMAND) {
    return lose(task, "weftd restarted while the task ran, and planning it again gave no command: " +
                          (planned ? std::string("the node type decided otherwise") : planned.failure().message));
  }
  task.spec->command = std::move(planned->command);
  const std::string key = task.key();
  active_[key] = &task;
  const Status recovered = runtime_.recover(task.executor, *task.spec, task.external_id);
  if (!recovered) {
    active_.erase(key);
    return lose(task, recovered.failure().message);
  }
  task.start_sent = true;
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
      task.started_at = clock_.now_ms();
      task.trace.started_at = task.started_at;
      journal_.mark_soon(task);
      return;
    case WEFT_EVENT_FINISHED: active_.erase(it); return on_finished(task, event);
    case WEFT_EVENT_LOST: active_.erase(it); return lose(task, event.error);
  }
}

void RunScheduler::on_finished(TaskState& task, const TaskEvent& event) {
  task.timer.reset();
  task.exit_code = event.exit_code;
  const SchedulerLimits current = limits();
  const auto log_overflow = enforce_log_limits(task, current.logs);
  if (task.cancel_requested) {
    task.error = "cancelled";
    end_attempt(task, TaskStatus::cancelled, task.error);
    return settle(task, TaskStatus::cancelled);
  }
  if (task.timed_out) {
    return fail_attempt(task, "timed out after " + seconds_text(*task.node->spec->timeout_s) + " (timeout_s)");
  }
  if (log_overflow) return fail_attempt(task, *log_overflow);
  if (event.output_json.size() > current.max_output_bytes) {
    return fail_attempt(task, "the task's output is " + std::to_string(event.output_json.size()) +
                                  " bytes; limits.max_output_bytes allows " + std::to_string(current.max_output_bytes));
  }
  if (!event.output_json.empty()) {
    auto parsed = parse_json(event.output_json);
    if (!parsed) return fail_attempt(task, "the task's output is " + parsed.failure().message);
  }
  if (!task.spec) return fail_attempt(task, "weftd lost track of the attempt's spec (a bug; please report it)");
  const sdk::TaskResult result{task.spec.get(), event.exit_code, event.output_json, event.error};
  auto finished = runtime_.finish(task.node->spec->type, result);
  if (!finished) return fail_attempt(task, finished.failure().message);
  if (finished->kind == WEFT_PLAN_OUTPUT) return succeed(task, std::move(finished->output));
  fail_attempt(task, finished->error.empty() ? "the node type reported no output" : std::move(finished->error));
}

void RunScheduler::succeed(TaskState& task, json output) {
  end_attempt(task, TaskStatus::succeeded, "");
  task.output_text = output.dump();
  task.output = std::move(output);
  settle(task, TaskStatus::succeeded);
}

void RunScheduler::fail_attempt(TaskState& task, std::string error) {
  task.error = std::move(error) + full_file_system_note(settings_.state_dir);
  end_attempt(task, TaskStatus::failed, task.error);
  const RetryPolicy& policy = task.node->spec->retry;
  if (task.attempt - task.attempts_before < policy.max_attempts && !task.run->stops(*task.node->spec)) {
    const auto wait = backoff(policy, task.attempt);
    const int64_t next_start = clock_.now_ms() + wait.count();
    if (!policy.max_duration_s || next_start - task.budget_started_at <= delay_of(*policy.max_duration_s).count()) {
      spdlog::info("{} attempt {} failed, retrying: {}", describe(task), task.attempt, task.error);
      task.status = TaskStatus::retrying;
      journal_.mark(task);
      task.timer = clock_.after(wait, [this, &task] {
        if (task.status == TaskStatus::retrying) make_ready(task);
      });
      return;
    }
    task.error += "; not retried: the next attempt would start more than " + seconds_text(*policy.max_duration_s) +
                  " after the first (retry.max_duration_s)";
  }
  spdlog::info("{} failed: {}", describe(task), task.error);
  settle(task, TaskStatus::failed);
}

// The task's attempt vanished (a weftd restart, an executor that forgot it):
// not the task's fault, so it runs again without using up an attempt of the
// retry policy, up to a bound that keeps a task that always gets lost from
// cycling forever. The next attempt has a number (and log files) of its own.
void RunScheduler::lose(TaskState& task, const std::string& error) {
  constexpr int max_losses = 3;
  end_attempt(task, TaskStatus::failed, "lost: " + error);
  spdlog::warn("{} attempt {} was lost: {}", describe(task), task.attempt, error);
  if (task.cancel_requested || task.run->stops(*task.node->spec)) return settle(task, TaskStatus::cancelled);
  // A node type's own work has no executor; its external_id is then the child run it started, if any.
  if (task.executor.empty()) task.resume_child = task.external_id;
  if (++task.lost_count > max_losses) {
    task.error = "lost " + std::to_string(max_losses) + " times, last: " + error;
    return settle(task, TaskStatus::failed);
  }
  ++task.attempts_before;
  make_ready(task);
}

// A task reached a final status.
void RunScheduler::settle(TaskState& task, TaskStatus status) {
  task.timer.reset();
  task.status = status;
  task.finished_at = clock_.now_ms();
  journal_.mark(task);
  NodeState& node = *task.node;
  if (task.index < 0) return settle_node(node, status, task.error);
  const bool last = ++node.elements_final == node.elements.size();
  if (status == TaskStatus::failed) stop_at_first_failure(task);
  if (!last) return;
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
    if (node.row.finished_at == 0) node.row.finished_at = clock_.now_ms();
    journal_.mark(node.row);
  }
  ++run.nodes_final;
  for (const size_t d : node.spec->dependents) {
    NodeState& dependent = run.nodes[d];
    if (status == TaskStatus::succeeded) ++dependent.deps_succeeded;
    if (failed_status(status)) ++dependent.deps_failed;
    if (--dependent.unmet == 0) resolvable_.push_back(&dependent);
  }
  if (!node.spec->on_exit && ++run.body_final == run.workflow->body_size) open_exit_handlers(run);
  if (status == TaskStatus::failed) stop_at_first_failure(node.row);
  if (run.nodes_final == run.nodes.size()) finish_run(run);
  resolve_ready_dependents();
}

// The run's body is final: its exit handlers may start, and read its outcome.
void RunScheduler::open_exit_handlers(RunState& run) {
  const size_t body = run.workflow->body_size;
  if (body == run.nodes.size()) return;
  run.set_body_outcome(outcome_of(run, body));
  for (size_t i = body; i < run.nodes.size(); ++i) {
    if (--run.nodes[i].unmet == 0) resolvable_.push_back(&run.nodes[i]);
  }
}

// fail_fast: the first task of the body to fail for good stops the rest of
// the body as a cancel would, but the run ends failed and its exit handlers
// still run.
void RunScheduler::stop_at_first_failure(const TaskState& failed) {
  RunState& run = *failed.run;
  if (!run.workflow->fail_fast || failed.node->spec->on_exit || run.failing_fast || run.cancelling) return;
  run.failing_fast = true;
  const std::string& id = failed.node->spec->id;
  run.error = (failed.index < 0 ? "node '" + id + "'" : "task " + id + "[" + std::to_string(failed.index) + "]") +
              " failed; fail_fast stopped the run";
  spdlog::info("run {}: {}", run.id, run.error);
  journal_.mark(run);
  stop_nodes(run, false);
}

// Stops the body's tasks, or the exit handlers': what has not started ends
// now; what runs is asked to stop, and ends when its executor says so. Nodes
// that wait on others end as those end.
void RunScheduler::stop_nodes(RunState& run, bool exit_handlers) {
  if (!exit_handlers) stop_whole(run);
  for (auto& node : run.nodes) {
    if (node.spec->on_exit != exit_handlers) continue;
    for (auto& element : node.elements) stop_task(*element);
    if (!node.is_for_each() || !node.expanded()) stop_task(node.row);
  }
  for (auto& node : run.nodes) {
    if (node.spec->on_exit == exit_handlers && node.row.status == TaskStatus::pending && node.unmet == 0) {
      resolvable_.push_back(&node);
    }
  }
  resolve_ready_dependents();
}

// A run handed whole to its executor runs there whatever weftd has started
// of it: its nodes whose tasks wait here (for their upstream's end to be
// heard, or for a slot) may run already. The executor stops all of it.
void RunScheduler::stop_whole(const RunState& run) {
  const auto executor = whole_run_executor(*run.workflow, runtime_);
  if (!executor) return;
  const Status stopped = runtime_.cancel_run(*executor, run.id);
  if (!stopped)
    spdlog::warn("run {}: stopping it at executor {} failed: {}", run.id, *executor, stopped.failure().message);
}

// What the first `count` nodes (all final) make of the run.
RunStatus RunScheduler::outcome_of(const RunState& run, size_t count) {
  if (run.cancelling) return RunStatus::cancelled;
  const auto end = run.nodes.begin() + static_cast<std::ptrdiff_t>(count);
  const bool any_failed = std::any_of(run.nodes.begin(), end, [](const NodeState& n) {
    return n.row.status == TaskStatus::failed || n.row.status == TaskStatus::upstream_failed;
  });
  return any_failed ? RunStatus::failed : RunStatus::succeeded;
}

void RunScheduler::finish_run(RunState& run) {
  if (is_final(run.status)) return;  // the last node settled deeper in this same cascade
  run.status = outcome_of(run, run.nodes.size());
  run.finished_at = clock_.now_ms();
  run.deadline.reset();
  journal_.mark(run);
  dispatcher_.forget(run);
  spdlog::info("run {} {}", run.id, to_string(run.status));
  // Marked state must outlive its write; the run is let go once stored.
  journal_.after_durable([this, id = run.id, key = run.idempotency_key] {
    if (!key.empty()) idempotency_keys_.erase(key);
    if (const auto it = runs_.find(id); it != runs_.end()) end_child(*it->second);
    runs_.erase(id);
    check_drained();
  });
  // Its message is ended with it: room for the queue's next.
  if (auto end = delivery_end(run)) journal_.after_durable([this, queue = end->queue] { claim_messages_of(queue); });
}

void RunScheduler::arm_timeout(TaskState& task) {
  if (!task.node->spec->timeout_s) return;
  task.timer = clock_.after(delay_of(*task.node->spec->timeout_s), [this, &task, key = task.key()] {
    if (!active_.count(key)) return;
    spdlog::info("{} timed out", describe(task));
    task.timed_out = true;
    stop_attempt(task);
  });
}

// A run still going timeout_s after `since` (its start, or its retry) is
// cancelled as a cancel command would, its error saying why.
void RunScheduler::arm_run_timeout(RunState& run, int64_t since_ms) {
  if (!run.workflow->timeout_s) return;
  const auto left = std::max<int64_t>(0, delay_of(*run.workflow->timeout_s).count() - (clock_.now_ms() - since_ms));
  run.deadline = clock_.after(std::chrono::milliseconds(left), [this, &run] {
    if (is_final(run.status) || run.cancelling) return;
    run.error = "the run did not finish within " + seconds_text(*run.workflow->timeout_s) + " (timeout_s); cancelled";
    spdlog::info("run {}: {}", run.id, run.error);
    cancel(run.id);
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
      task.cancel_requested = true;  // a start still waiting for the store will not happen
      if (task.start_sent) stop_attempt(task);
      return;
    case TaskStatus::running:
      task.cancel_requested = true;
      stop_attempt(task);
      return;
    default: return;
  }
}

// Asks whoever holds the running attempt (its executor, or its node type for
// work it does itself) to stop it; its end is reported as usual.
void RunScheduler::stop_attempt(TaskState& task) {
  const std::string key = task.key();
  if (task.executor.empty()) stop_child_of(task);
  const Status stopped =
      task.executor.empty() ? runtime_.cancel_pending(task.node->spec->type, key) : runtime_.cancel(task.executor, key);
  if (!stopped) spdlog::warn("{}: cancel failed: {}", describe(task), stopped.failure().message);
}

// The attempt is over, as `outcome` says: its record is closed, and the
// attempt released.
void RunScheduler::end_attempt(TaskState& task, TaskStatus outcome, std::string_view error) {
  task.trace.status = outcome;
  task.trace.exit_code = task.exit_code;
  task.trace.error = error;
  task.trace.finished_at = clock_.now_ms();
  task.mark_ended_attempt(journal_);
  journal_.mark(task);
  release_attempt(task);
}

// Its slot goes back to the dispatcher (which queues what waited on it), and
// its spec is let go. Its record is left as it is: closed by end_attempt, or
// another instance's to close (see abandon).
void RunScheduler::release_attempt(TaskState& task) {
  task.spec.reset();
  if (!task.holds_slot) return;
  dispatcher_.release(task);
  check_drained();
  claim_if_room();  // the slot may be the room a run waiting unheld needs
}

}  // namespace weft::daemon
