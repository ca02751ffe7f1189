// GET /api/v1/runs/{id}/tasks/{task}/logs: the log files of a task's latest attempt.
#pragma once

#include "api/exchange.hpp"
#include "api/representation.hpp"
#include "store/store_client.hpp"

#include <atomic>
#include <filesystem>
#include <string>

namespace weft::daemon {

struct LogRequest {
  std::string run_id;
  TaskId task;
  bool stderr_stream = false;  // false: stdout
  bool follow = false;         // keep streaming new bytes until the task reaches a final state
};

// A text/plain reply streaming the file of the task's latest attempt (empty if
// there is no file). Throws ApiError 404 for an unknown run or task. The reply
// reads the store and the file on the request's thread, every 200 ms while it
// follows, and stops early once `stopping` is set. store and stopping must
// outlive the reply.
ApiReply task_log_reply(const StoreClient& store, const std::filesystem::path& state_dir, const LogRequest& request,
                        const std::atomic<bool>& stopping);

}  // namespace weft::daemon
