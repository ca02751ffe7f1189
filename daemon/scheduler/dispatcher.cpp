#include "scheduler/dispatcher.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace weft::daemon {

Dispatcher::Dispatcher(boost::asio::io_context& io, int max_running_tasks, std::function<void(TaskState&)> dispatch,
                       std::function<bool(const NodeState&)> limits_itself)
    : io_(io),
      max_running_tasks_(max_running_tasks),
      dispatch_(std::move(dispatch)),
      limits_itself_(std::move(limits_itself)) {}

int Dispatcher::run_limit(const RunState& run, int daemon_limit) {
  return run.workflow->max_parallel.value_or(daemon_limit);
}

void Dispatcher::enqueue(TaskState& task) {
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

void Dispatcher::take(TaskState& task) {
  task.holds_slot = true;
  ++task.node->running;
  ++task.run->running;
  ++running_;
}

void Dispatcher::release(TaskState& task) {
  if (!task.holds_slot) return;
  task.holds_slot = false;
  NodeState& node = *task.node;
  RunState& run = *task.run;
  --node.running;
  --run.running;
  --running_;
  if (!node.ready.empty() && !node.queued) {
    node.queued = true;
    run.nodes_with_ready.push_back(&node);
  }
  wake(run);
}

void Dispatcher::wake(RunState& run) {
  if (!run.nodes_with_ready.empty() && !run.queued) {
    run.queued = true;
    runs_with_ready_.push_back(&run);
  }
  schedule_pump();
}

void Dispatcher::set_max_running_tasks(int most) {
  max_running_tasks_ = most;
  schedule_pump();
}

void Dispatcher::forget(RunState& run) {
  runs_with_ready_.erase(std::remove(runs_with_ready_.begin(), runs_with_ready_.end(), &run), runs_with_ready_.end());
}

// Posted, so that a cascade of tasks made ready in one handler is dispatched
// in one pass, after it.
void Dispatcher::schedule_pump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  boost::asio::post(io_, [this] { pump(); });
}

void Dispatcher::pump() {
  pump_scheduled_ = false;
  while (!stopped_ && running_ < max_running_tasks_ && !runs_with_ready_.empty()) {
    RunState& run = *runs_with_ready_.front();
    runs_with_ready_.pop_front();
    run.queued = false;
    const int limit = run_limit(run, max_running_tasks_);
    if (run.status == RunStatus::paused || run.nodes_with_ready.empty() || run.running >= limit) continue;
    NodeState& node = *run.nodes_with_ready.front();
    run.nodes_with_ready.pop_front();
    node.queued = false;
    const int node_limit = limits_itself_(node) ? limit : node.spec->max_parallel.value_or(limit);
    while (!node.ready.empty() && node.running < node_limit && run.running < limit && running_ < max_running_tasks_) {
      TaskState& task = *node.ready.front();
      node.ready.pop_front();
      if (task.status == TaskStatus::ready) dispatch_(task);
    }
    if (!node.ready.empty() && node.running < node_limit) {
      node.queued = true;
      run.nodes_with_ready.push_back(&node);
    }
    if (!run.nodes_with_ready.empty() && run.running < limit) {
      run.queued = true;
      runs_with_ready_.push_back(&run);
    }
  }
}

}  // namespace weft::daemon
