// Child runs: a node type's task (the subworkflow node's) starts a run of
// another stored workflow and waits for it. RunScheduler's part (see
// run_scheduler.hpp).
//
// The child is an ordinary run that names its parent task (RunState::parent,
// stored). The parent task keeps the child's id as its external_id, written
// in the same batch as the child, so that after a weftd restart the task's
// next attempt is given that child instead of starting a second one. While
// the child runs here, child_watches_ says who waits for it: its end is read
// back from the store once durable and handed to the node type. Cancelling
// the parent task (a cancel of its run, its timeout) cancels the child;
// pausing or resuming the parent run does the same to its children.
#include "core/json_text.hpp"
#include "scheduler/run_scheduler.hpp"
#include "scheduler/store_reads.hpp"
#include "store/run_results.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace weft::daemon {

namespace {

constexpr std::string_view kChildKeyPrefix = "child:";

// A workflow that starts itself through a subworkflow node would otherwise
// nest without end: the run that would be the ninth generation is refused.
constexpr int kMaxChildDepth = 8;

ChildRunEnd not_started(std::string why) { return {{}, 0, {}, std::move(why)}; }

// The message with each problem (params the child's workflow refuses), since the node's error is one text.
std::string described(const Failure& failure) {
  std::string text = failure.message;
  for (const auto& problem : failure.details) text += "; " + problem.path + ": " + problem.message;
  return text;
}

// The run's own error, else its first failed task's: the parent node's error
// then says what went wrong without a look into the child.
std::string why_it_failed(const RunRecord& run, const std::vector<TaskRecord>& tasks) {
  if (!run.error.empty() || run.status != RunStatus::failed) return run.error;
  for (const auto& task : tasks) {
    if (task.status == TaskStatus::failed && !task.error.empty()) {
      return "node '" + task.node + "'" + (task.index >= 0 ? "[" + std::to_string(task.index) + "]" : "") + ": " +
             task.error;
    }
  }
  return {};
}

}  // namespace

std::string child_run_key(std::string_view task_key) { return std::string(kChildKeyPrefix).append(task_key); }

bool is_child_run_key(std::string_view key) { return key.starts_with(kChildKeyPrefix); }

void RunScheduler::start_child_run(ChildRunRequest request, ChildRunEnded on_end) {
  boost::asio::post(io_, [this, request = std::move(request), on_end = std::move(on_end)]() mutable {
    begin_child(request, std::move(on_end));
  });
}

// The task as a child's parent: running here, planned pending by its node
// type, and not being stopped; nullptr otherwise.
TaskState* RunScheduler::child_parent(const std::string& task_key) {
  const auto it = active_.find(task_key);
  if (it == active_.end()) return nullptr;
  TaskState* task = it->second;
  if (!task->executor.empty() || task->cancel_requested || task->run->abandoned) return nullptr;
  return task;
}

void RunScheduler::begin_child(const ChildRunRequest& request, ChildRunEnded on_end) {
  TaskState* task = child_parent(request.task_key);
  if (task == nullptr) return on_end(not_started("task " + request.task_key + " is not running a node of its own"));
  if (!task->resume_child.empty()) return adopt_child(std::exchange(task->resume_child, {}), *task, std::move(on_end));
  const std::string key = child_run_key(request.task_key);
  if (const auto same = idempotency_keys_.find(key); same != idempotency_keys_.end()) {
    return adopt_child(same->second, *task, std::move(on_end));  // the node type asked twice
  }
  RunRequest run;
  run.workflow = request.workflow;
  run.version = request.version;
  if (!request.params_json.empty()) {
    auto params = parse_json(request.params_json);
    if (!params) return on_end(not_started("the child run's params are " + params.failure().message));
    run.params = std::move(params.value());
  }
  run.idempotency_key = key;
  // The workflow is read from the store, which the loop never reads.
  boost::asio::post(store_reads_,
                    [this, run = std::move(run), task_key = request.task_key, on_end = std::move(on_end)]() mutable {
                      auto prepared = prepare_run(run);
                      boost::asio::post(io_, [this, prepared = std::move(prepared), task_key = std::move(task_key),
                                              on_end = std::move(on_end)]() mutable {
                        if (!prepared) return on_end(not_started(described(prepared.failure())));
                        create_child(*prepared, task_key, std::move(on_end));
                      });
                    });
}

void RunScheduler::create_child(const std::shared_ptr<PreparedRun>& prepared, const std::string& task_key,
                                ChildRunEnded on_end) {
  TaskState* task = child_parent(task_key);
  if (task == nullptr) return on_end(not_started("task " + task_key + " stopped before its child run started"));
  if (draining_) return on_end(not_started("weftd is shutting down"));
  if (auto writable = store_is_writable(); !writable) return on_end(not_started(writable.failure().message));
  int depth = 1;
  for (const RunState* ancestor = task->run; !ancestor->parent.run_id.empty(); ++depth) {
    const auto it = runs_.find(ancestor->parent.run_id);
    if (it == runs_.end()) break;
    ancestor = it->second.get();
  }
  if (depth >= kMaxChildDepth) {
    return on_end(not_started("run " + task->run->id + " is a child run " + std::to_string(depth - 1) +
                              " levels deep; child runs nest at most " + std::to_string(kMaxChildDepth) +
                              " levels (does a workflow start itself?)"));
  }
  auto run =
      new_run(prepared->workflow, prepared->version, std::move(prepared->params), prepared->idempotency_key, true);
  run->parent = {task->run->id, task->node->spec->id, task->index};
  RunState& child = *run;
  runs_.emplace(child.id, std::move(run));
  journal_.mark(child);
  for (auto& node : child.nodes) journal_.mark(node.row);
  idempotency_keys_.emplace(child.idempotency_key, child.id);
  task->external_id = child.id;  // in the child's batch: a restart finds the child through it
  journal_.mark(*task);
  child_watches_[child.id] = {task->run->id, task_key, std::move(on_end)};
  spdlog::info("run {} of workflow {} created as the child of run {} task {}", child.id, child.workflow->name,
               task->run->id, task_key);
  start(child);
  if (task->run->status == RunStatus::paused) pause(child.id);
}

// The task is given a child that exists already: it waits for it here, or
// is told its end from the store.
void RunScheduler::adopt_child(const std::string& child_id, TaskState& task, ChildRunEnded on_end) {
  task.external_id = child_id;
  journal_.mark(task);
  const auto it = runs_.find(child_id);
  if (it != runs_.end() && !is_final(it->second->status)) {
    spdlog::info("run {} task {} takes up its child run {} again", task.run->id, task.key(), child_id);
    child_watches_[child_id] = {task.run->id, task.key(), std::move(on_end)};
    return;
  }
  journal_.after_durable(
      [this, child_id, on_end = std::move(on_end)]() mutable { report_child_end(child_id, std::move(on_end)); });
}

// From finish_run, once the child's end is stored.
void RunScheduler::end_child(const RunState& child) {
  const auto it = child_watches_.find(child.id);
  if (it == child_watches_.end()) return;
  ChildRunEnded on_end = std::move(it->second.on_end);
  child_watches_.erase(it);
  report_child_end(child.id, std::move(on_end));
}

// Reads the child's record and results (off the loop) and hands them over on the loop.
void RunScheduler::report_child_end(const std::string& child_id, ChildRunEnded on_end) {
  boost::asio::post(store_reads_, [this, child_id, on_end = std::move(on_end)]() mutable {
    ChildRunEnd end;
    auto run = read_store([&] { return store_.get_run(child_id); });
    auto tasks = read_store([&] { return store_.list_tasks(child_id); });
    if (!run || !tasks) {
      end = not_started("child run " + child_id + ": " + (!run ? run.failure().message : tasks.failure().message));
    } else if (!*run) {
      end = not_started("child run " + child_id + " is not in the store");
    } else if (!is_final((*run)->status)) {
      end = not_started("child run " + child_id + " is " + std::string(to_string((*run)->status)) +
                        " and held by another weftd instance sharing the store");
    } else {
      end = {child_id, static_cast<int32_t>((*run)->status), results_json(**run, *tasks).dump(),
             why_it_failed(**run, *tasks)};
    }
    boost::asio::post(io_, [end = std::move(end), on_end = std::move(on_end)] { on_end(end); });
  });
}

// The parent task stops (cancelled, timed out): so does its child.
void RunScheduler::stop_child_of(const TaskState& task) {
  const auto it = child_watches_.find(task.external_id);
  if (it == child_watches_.end() || it->second.task_key != task.key()) return;
  spdlog::info("run {}: cancelling child run {} with its parent task", task.run->id, task.external_id);
  cancel(task.external_id);
}

std::vector<std::string> RunScheduler::children_of(const std::string& run_id) const {
  std::vector<std::string> children;
  for (const auto& [id, watch] : child_watches_) {
    if (watch.parent_run_id == run_id) children.push_back(id);
  }
  return children;
}

}  // namespace weft::daemon
