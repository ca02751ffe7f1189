// A task attempt's log files, as weftd checks them when the attempt ends.
// Executors write the files themselves (a child's stdout, a Slurm job's
// output on a shared file system), so weftd enforces their limit
// (limits.max_log_bytes and limits.log_overflow) afterwards, for every
// executor alike, and explains a failure a full file system caused.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace weft::daemon {

struct TaskLogLimit {
  std::size_t max_bytes = 0;  // 0: no limit
  bool fail_task = false;     // a log over the limit fails the attempt; else its oldest lines are dropped
};

// Applies `limit` to one log file. With fail_task, a file over the limit
// gives the attempt's error. Otherwise its oldest whole lines are dropped (a
// first line says how many bytes went) so that it fits, and nullopt; a file
// that cannot be cut is left as it is and logged.
std::optional<std::string> enforce_log_limit(const TaskLogLimit& limit, const std::filesystem::path& log);

// "; the file system of <state_dir> is full, ..." when it has no space left,
// else "". A task writes its logs and output there itself and sees the
// failures, which its exit code may not explain; weftd adds this to the
// error of an attempt that failed.
std::string full_file_system_note(const std::filesystem::path& state_dir);

}  // namespace weft::daemon
