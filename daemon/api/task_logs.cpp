#include "api/task_logs.hpp"

#include "api/api_error.hpp"
#include "scheduler/task_files.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

namespace weft::daemon {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);

std::optional<TaskRecord> find_task(const StoreClient& store, const std::string& run_id, const TaskId& id) {
  for (auto& task : store.list_tasks(run_id)) {
    if (task.node == id.node && task.index == id.index) return std::move(task);
  }
  return std::nullopt;
}

std::filesystem::path log_file(const std::filesystem::path& state_dir, const TaskRecord& task, bool stderr_stream) {
  const auto files = task_files(state_dir, task.run_id, task.node, task.index, task.attempt);
  return stderr_stream ? files.stderr_path : files.stdout_path;
}

// Writes what the file holds past `offset` and moves offset to its end.
// A missing file holds nothing. Returns false once out has failed.
bool copy_new_bytes(const std::filesystem::path& file, uint64_t& offset, std::ostream& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return static_cast<bool>(out);
  in.seekg(static_cast<std::streamoff>(offset));
  std::array<char, 64 * 1024> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    out.write(buffer.data(), in.gcount());
    offset += static_cast<uint64_t>(in.gcount());
    if (!out) return false;
  }
  out.flush();
  return static_cast<bool>(out);
}

class LogStream {
 public:
  LogStream(const StoreClient& store, std::filesystem::path state_dir, LogRequest request, TaskRecord task,
            const std::atomic<bool>& stopping)
      : store_(store),
        state_dir_(std::move(state_dir)),
        request_(std::move(request)),
        task_(std::move(task)),
        stopping_(stopping) {}

  void operator()(std::ostream& out) {
    try {
      follow(out);
    } catch (const StoreError& e) {
      spdlog::warn("run {}: stopped following the log of {}: {}", request_.run_id, format_task_id(task_), e.what());
    }
  }

 private:
  // The status is read before the bytes are copied, so that everything the
  // task wrote before it finished is sent before the stream ends.
  void follow(std::ostream& out) {
    uint64_t offset = 0;
    for (;;) {
      const bool last_pass = !request_.follow || sdk::is_final(task_.status) || stopping_;
      if (!copy_new_bytes(log_file(state_dir_, task_, request_.stderr_stream), offset, out) || last_pass) return;
      std::this_thread::sleep_for(kPollInterval);
      auto latest = find_task(store_, request_.run_id, request_.task);
      if (!latest) return;
      if (latest->attempt != task_.attempt) offset = 0;  // a retry writes a new file
      task_ = std::move(*latest);
    }
  }

  const StoreClient& store_;
  const std::filesystem::path state_dir_;
  const LogRequest request_;
  TaskRecord task_;
  const std::atomic<bool>& stopping_;
};

}  // namespace

ApiReply task_log_reply(const StoreClient& store, const std::filesystem::path& state_dir, const LogRequest& request,
                        const std::atomic<bool>& stopping) {
  if (!store.get_run(request.run_id)) raise(ErrorCode::not_found, "run '" + request.run_id + "' not found");
  auto task = find_task(store, request.run_id, request.task);
  if (!task)
    raise(ErrorCode::not_found, "run '" + request.run_id + "' has no task '" + format_task_id(request.task) + "'");
  ApiReply reply;
  reply.content_type = "text/plain; charset=utf-8";
  reply.stream = LogStream(store, state_dir, request, std::move(*task), stopping);
  return reply;
}

}  // namespace weft::daemon
