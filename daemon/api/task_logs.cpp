#include "api/task_logs.hpp"

#include "api/api_error.hpp"

#include <filesystem>
#include <memory>
#include <optional>

namespace weft::daemon {

namespace {

std::optional<TaskRecord> find_task(const StoreClient& store, const std::string& run_id, const TaskId& id) {
  for (auto& task : store.list_tasks(run_id)) {
    if (task.node == id.node && task.index == id.index) return std::move(task);
  }
  return std::nullopt;
}

}  // namespace

ApiReply task_log_reply(const StoreClient& store, LogWatch& logs, const LogRequest& request) {
  // Made first: from here on, updates of the run are kept for it, so none
  // that comes after the store is read below is missed.
  auto follower = std::make_shared<LogFollower>(logs, request.run_id);
  if (!store.get_run(request.run_id)) raise(ErrorCode::not_found, "run '" + request.run_id + "' not found");
  const auto task = find_task(store, request.run_id, request.task);
  if (!task)
    raise(ErrorCode::not_found, "run '" + request.run_id + "' has no task '" + format_task_id(request.task) + "'");
  if (request.attempt > task->attempt) {
    raise(ErrorCode::not_found, "task '" + format_task_id(request.task) + "' of run '" + request.run_id +
                                    "' has no attempt " + std::to_string(request.attempt) + " (its latest is " +
                                    std::to_string(task->attempt) + ")");
  }
  const int attempt = request.attempt > 0 ? request.attempt : task->attempt;
  const bool ended = attempt < task->attempt || sdk::is_final(task->status);
  follower->set_target(
      {request.run_id, task->node, task->index, attempt, ended, request.stderr_stream, request.follow});
  if (request.only_here && attempt > 0 && !std::filesystem::exists(follower->file())) {
    raise(ErrorCode::held_elsewhere, "the log of attempt " + std::to_string(attempt) + " of task '" +
                                         format_task_id(request.task) + "' is not on this instance");
  }
  ApiReply reply;
  reply.content_type = "text/plain; charset=utf-8";
  reply.stream = std::move(follower);
  return reply;
}

}  // namespace weft::daemon
