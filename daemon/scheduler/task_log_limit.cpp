#include "scheduler/task_log_limit.hpp"

#include <spdlog/spdlog.h>

#include <sys/statvfs.h>

#include <fstream>
#include <system_error>

namespace weft::daemon {

namespace fs = std::filesystem;

namespace {

std::string dropped_note(std::uintmax_t bytes) {
  return "[weft: " + std::to_string(bytes) + " bytes of older lines dropped: limits.max_log_bytes]\n";
}

// The newest whole lines of `log` that fit in `budget` bytes, written under a
// temporary name and renamed over it, so that a reader sees the old or the
// new file, never half of one.
bool keep_newest(const fs::path& log, std::uintmax_t size, std::size_t max_bytes) {
  const std::string longest_note = dropped_note(size);
  if (longest_note.size() >= max_bytes) return false;
  const std::uintmax_t budget = max_bytes - longest_note.size();
  std::ifstream in(log, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(size - budget));
  std::string tail(budget, '\0');
  if (!in.read(tail.data(), static_cast<std::streamsize>(budget))) return false;
  if (const auto newline = tail.find('\n'); newline != std::string::npos && newline + 1 < tail.size()) {
    tail.erase(0, newline + 1);
  }
  const fs::path cut = log.string() + ".cut";
  {
    std::ofstream out(cut, std::ios::binary | std::ios::trunc);
    out << dropped_note(size - tail.size()) << tail;
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(cut, ignored);
      return false;
    }
  }
  std::error_code ec;
  fs::rename(cut, log, ec);
  return !ec;
}

}  // namespace

std::optional<std::string> enforce_log_limit(const TaskLogLimit& limit, const fs::path& log) {
  if (limit.max_bytes == 0) return std::nullopt;
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(log, ec);
  if (ec || size <= limit.max_bytes) return std::nullopt;
  if (limit.fail_task) {
    return "the task's " + log.extension().string().substr(1) + " is " + std::to_string(size) +
           " bytes; limits.max_log_bytes allows " + std::to_string(limit.max_bytes) +
           " (limits.log_overflow: fail_task)";
  }
  if (!keep_newest(log, size, limit.max_bytes)) {
    spdlog::warn("cannot cut {} ({} bytes) to limits.max_log_bytes: it is left as it is", log.string(), size);
  }
  return std::nullopt;
}

std::string full_file_system_note(const fs::path& state_dir) {
  struct statvfs space {};
  if (::statvfs(state_dir.c_str(), &space) != 0 || space.f_bavail > 0) return "";
  return "; the file system of " + state_dir.string() +
         " is full, so the task's log and output may not have been written";
}

}  // namespace weft::daemon
