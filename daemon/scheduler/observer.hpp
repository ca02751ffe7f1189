// What the scheduler tells those who watch it (the API's event streams and
// metrics) and what they may ask of it. Stored changes are reported once they
// are durable, so that nobody is told of a change that a crash could undo.
#pragma once

#include "store/store_client.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace weft::daemon {

// Called on the scheduler's loop: each method must return at once, without
// waiting for anything (post the work elsewhere).
class SchedulerObserver {
 public:
  // One transaction of state changes is stored; commit_time is how long the
  // store took from the batch's submission (its last try) to its commit.
  virtual void stored(const std::shared_ptr<const WriteBatch>& batch, std::chrono::nanoseconds commit_time) = 0;
  // An executor refused to start a task (the attempt fails with its reason).
  virtual void submit_failed(const std::string& executor) = 0;

 protected:
  ~SchedulerObserver() = default;
};

// The scheduler's figures at one moment, for /metrics: what is in its memory
// (unfinished runs and their tasks), keyed by (workflow, status name).
struct SchedulerFigures {
  using ByWorkflowStatus = std::map<std::pair<std::string, std::string>, size_t>;
  ByWorkflowStatus runs;
  ByWorkflowStatus tasks;
  size_t journal_backlog = 0;  // changes made in memory, waiting for the next store transaction
  size_t running_tasks = 0;    // holding a slot of limits.max_running_tasks
};

}  // namespace weft::daemon
