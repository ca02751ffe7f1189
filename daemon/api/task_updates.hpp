// What the API's log followers learn of a task, through
// ApiServer::task_updated() (fed by the scheduler's stored transitions): when
// a new attempt starts and when the task has ended, without asking the store.
#pragma once

#include <weft/sdk/status.hpp>

#include <cstdint>
#include <string>

namespace weft::daemon {

struct TaskUpdate {
  std::string run_id;
  std::string node;
  int64_t index = -1;  // the for_each element; -1 for a node without for_each (and a for_each node's own row)
  int attempt = 0;     // the current (or last) attempt, from 1
  sdk::TaskStatus status = sdk::TaskStatus::pending;
};

}  // namespace weft::daemon
