// GET /api/v1/runs/{id}/tasks/{task}/logs: the log files of a task's latest attempt.
#pragma once

#include "api/exchange.hpp"
#include "api/log_follow.hpp"
#include "api/representation.hpp"
#include "store/store_client.hpp"

#include <string>

namespace weft::daemon {

struct LogRequest {
  std::string run_id;
  TaskId task;
  bool stderr_stream = false;  // false: stdout
  bool follow = false;         // keep streaming new bytes until the task reaches a final state
  int attempt = 0;             // 0: the latest; an earlier one has ended, so is not followed
  // On a store several instances share, a task's log is on the instance
  // that ran it: when the file is not here, held_elsewhere instead.
  bool only_here = false;
};

// A text/plain reply streaming the file of the task's latest attempt, or of
// request.attempt (empty if
// there is no file), followed on the API's connection loop when
// request.follow (see log_follow.hpp). Reads the store once, on the calling
// thread. Throws ApiError 404 for an unknown run, task or attempt.
ApiReply task_log_reply(const StoreClient& store, LogWatch& logs, const LogRequest& request);

}  // namespace weft::daemon
