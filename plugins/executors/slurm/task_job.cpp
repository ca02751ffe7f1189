#include "task_job.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "batch_script.hpp"

namespace weft::slurm {

namespace {

constexpr size_t kMaxOutputBytes = 16 * 1024 * 1024;

std::string error_text(int error) { return std::system_category().message(error); }

}  // namespace

void create_parent_directories(const sdk::TaskSpec& task) {
  for (const std::string* file : {&task.stdout_path, &task.stderr_path, &task.output_path}) {
    const auto dir = std::filesystem::path(*file).parent_path();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create directory '" + dir.string() + "': " + ec.message());
  }
}

std::pair<std::string, std::string> read_output(const std::string& path) {
  // O_NONBLOCK: a FIFO in place of the file must not stall the event loop.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return {{}, "cannot read the output file '" + path + "': " + error_text(errno)};
  }
  std::string text;
  std::string error;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error = "the output file '" + path + "' is not a regular file";
  } else if (static_cast<size_t>(info.st_size) > kMaxOutputBytes) {
    error = "the output file '" + path + "' is larger than 16 MiB";
  } else {
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && text.size() <= kMaxOutputBytes) {
      text.append(buffer, static_cast<size_t>(n));
    }
    if (n < 0) error = "cannot read the output file '" + path + "': " + error_text(errno);
  }
  ::close(fd);
  return {error.empty() ? text : std::string(), error};
}

JobRequest job_request(const sdk::TaskSpec& task, const JobPlacement& defaults) {
  const JobPlacement placement =
      defaults.overridden_by(JobPlacement::parse(task.command->executor_options, "the command's executor_options"));
  JobRequest job;
  job.name = task.task_key;  // recover finds a job whose id weftd never stored by it
  job.comment = "weft run " + task.run_id + " task " + task.task_key;
  job.script = batch_script(task);
  job.stdout_path = task.stdout_path;
  job.stderr_path = task.stderr_path;
  job.working_dir =
      task.command->cwd.empty() ? std::filesystem::path(task.output_path).parent_path().string() : task.command->cwd;
  job.cpus_per_task = static_cast<int64_t>(std::ceil(task.resources.cpus));
  job.memory_mb = task.resources.memory_mb;
  job.gpus = task.resources.gpus;
  job.time_limit_s = static_cast<int64_t>(std::ceil(task.timeout_s));
  job.partition = placement.partition;
  job.account = placement.account;
  job.qos = placement.qos;
  job.extra_args = placement.extra_args;
  return job;
}

}  // namespace weft::slurm
