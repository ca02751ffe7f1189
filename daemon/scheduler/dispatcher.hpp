// Hands ready tasks out within the daemon's, each run's and each node's
// limits on running tasks, round robin over runs and over each run's nodes.
//
// O(changes): a run or node that reaches its limit leaves the queue, and
// comes back when one of its tasks gives its slot back. Nothing walks the
// tasks that wait. Event loop thread only.
#pragma once

#include "scheduler/run_state.hpp"

#include <boost/asio/io_context.hpp>

#include <deque>
#include <functional>

namespace weft::daemon {

class Dispatcher {
 public:
  // dispatch is called, from a handler of its own, for each task that gets a
  // slot; the task holds that slot until release(). A node for which
  // limits_itself is true gets no node limit here: its executor keeps to it.
  Dispatcher(boost::asio::io_context& io, int max_running_tasks, std::function<void(TaskState&)> dispatch,
             std::function<bool(const NodeState&)> limits_itself);

  // Queues a task that became ready.
  void enqueue(TaskState& task);
  // Counts a task that runs without having been queued (one taken back after
  // a restart), or one whose queued turn came.
  void take(TaskState& task);
  // The task's attempt ended: its slot goes back, and whatever waited on the
  // limits it held is queued again.
  void release(TaskState& task);
  // A finished run leaves the queue.
  void forget(RunState& run);
  // A reload changed limits.max_running_tasks: a higher limit hands out the
  // new slots at once; a lower one lets running tasks finish.
  void set_max_running_tasks(int most);
  // A paused run leaves the queue at its turn, as a run at its limit does;
  // once resumed, this queues it again (if it has ready tasks).
  void wake(RunState& run);
  // No more dispatching (drain); running tasks keep their slots.
  void stop() { stopped_ = true; }

  int running() const { return running_; }
  // A task made ready now would start at once: a slot is free and no ready
  // task waits for one.
  bool has_room() const { return !stopped_ && running_ < max_running_tasks_ && runs_with_ready_.empty(); }

 private:
  void schedule_pump();
  void pump();
  static int run_limit(const RunState& run, int daemon_limit);

  boost::asio::io_context& io_;
  int max_running_tasks_;
  std::function<void(TaskState&)> dispatch_;
  std::function<bool(const NodeState&)> limits_itself_;
  std::deque<RunState*> runs_with_ready_;
  int running_ = 0;
  bool pump_scheduled_ = false;
  bool stopped_ = false;
};

}  // namespace weft::daemon
