#include "slurm_executor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "batch_script.hpp"
#include "cli_transport.hpp"

namespace weft::slurm {

namespace {

using nlohmann::json;
using sdk::TaskSpec;

constexpr size_t kMaxOutputBytes = 16 * 1024 * 1024;

std::string error_text(int error) { return std::system_category().message(error); }

int make_timer() {
  const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("the slurm executor cannot create a timer: " + error_text(errno));
  return fd;
}

timespec to_timespec(std::chrono::nanoseconds duration) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration);
  return timespec{static_cast<time_t>(seconds.count()), static_cast<long>((duration - seconds).count())};
}

void set_timer(int fd, std::chrono::nanoseconds first, std::chrono::nanoseconds interval) {
  itimerspec when{};
  when.it_value = to_timespec(std::max(first, std::chrono::nanoseconds(1)));
  when.it_interval = to_timespec(interval);
  if (::timerfd_settime(fd, 0, &when, nullptr) != 0) {
    throw std::runtime_error("the slurm executor cannot set a timer: " + error_text(errno));
  }
}

void drain_timer(int fd) {
  uint64_t expirations = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd, &expirations, sizeof expirations);
}

void create_parent_directories(const TaskSpec& task) {
  for (const std::string* file : {&task.stdout_path, &task.stderr_path, &task.output_path}) {
    const auto dir = std::filesystem::path(*file).parent_path();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create directory '" + dir.string() + "': " + ec.message());
  }
}

// The task's output file, as the job left it on the shared file system.
// Empty with no error when there is none.
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

// The job that runs task, placed by the executor's config and the node's
// executor_options.
JobRequest job_request(const TaskSpec& task, const JobPlacement& defaults) {
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

std::optional<JobId> parse_job_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  JobId id = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

}  // namespace

SlurmExecutor::SlurmExecutor(const sdk::Host& host, const json& config)
    : Executor(host), config_(SlurmExecutorConfig::parse(config)) {
  transport_ = std::make_unique<CliTransport>(host, config_.cli);
  poll_timer_fd_ = make_timer();
  try {
    pace_timer_fd_ = make_timer();
  } catch (...) {
    ::close(poll_timer_fd_);
    throw;
  }
}

SlurmExecutor::~SlurmExecutor() {
  transport_.reset();  // no callback of it may run into a half-destroyed executor
  ::close(poll_timer_fd_);
  ::close(pace_timer_fd_);
}

void SlurmExecutor::start(const TaskSpec& task) {
  if (tasks_.find(task.task_key) != tasks_.end()) {
    throw std::invalid_argument("task '" + task.task_key + "' is already running");
  }
  JobRequest request = job_request(task, config_.placement);
  create_parent_directories(task);
  const std::string marker = exit_marker_path(task);
  std::error_code ignored;
  std::filesystem::remove(marker, ignored);  // an earlier job's must not count for this one
  Task& queued = tasks_[task.task_key];
  queued.key = task.task_key;
  queued.output_path = task.output_path;
  queued.marker_path = marker;
  queued.request = std::move(request);
  queue_.push_back(task.task_key);
  pump_submissions();
}

void SlurmExecutor::pump_submissions() {
  while (!submitting_ && !queue_.empty() && jobs_in_flight() < static_cast<size_t>(config_.max_jobs_in_flight)) {
    const auto now = Clock::now();
    if (now < next_submit_at_) {
      set_timer(pace_timer_fd_, next_submit_at_ - now, {});
      if (!pace_timer_watched_) {
        host().watch_fd<SlurmExecutor, &SlurmExecutor::on_pace_timer>(pace_timer_fd_, this);
        pace_timer_watched_ = true;
      }
      return;
    }
    next_submit_at_ = now + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(1.0 / config_.submit_rate_per_s));
    Task& task = tasks_.find(queue_.front())->second;
    queue_.pop_front();
    submit(task);
  }
}

void SlurmExecutor::submit(Task& task) {
  task.phase = Phase::submitting;
  submitting_ = true;
  try {
    transport_->submit(*task.request,
                       [this, key = task.key](SubmitResult result) { on_submitted(key, std::move(result)); });
  } catch (const std::exception& e) {
    submitting_ = false;
    const std::string key = task.key;
    tasks_.erase(key);
    host().task_finished(key, 1, {}, std::string("cannot submit the Slurm job: ") + e.what());
  }
}

void SlurmExecutor::on_submitted(const std::string& key, SubmitResult result) {
  submitting_ = false;
  const auto found = tasks_.find(key);
  if (found != tasks_.end()) {
    Task& task = found->second;
    if (!result.job_id) {
      tasks_.erase(found);
      host().task_finished(key, 1, {}, "Slurm refused the job: " + result.error);
    } else {
      task.request.reset();
      host().task_started(key, std::to_string(*result.job_id));
      track(task, *result.job_id);
      if (task.cancel_requested) request_cancel(task);
    }
  }
  pump_submissions();
}

void SlurmExecutor::track(Task& task, JobId job) {
  task.phase = Phase::submitted;
  task.job = job;
  // A query already under way may have listed the jobs before this one existed.
  task.listed_from_query = queries_started_ + 1;
  start_polling();
}

bool SlurmExecutor::cancel(std::string_view task_key) {
  const auto found = tasks_.find(task_key);
  if (found == tasks_.end()) return false;
  Task& task = found->second;
  if (task.cancel_requested) return true;
  task.cancel_requested = true;
  if (task.phase == Phase::queued) {
    const std::string key = task.key;
    std::erase(queue_, key);
    tasks_.erase(found);
    host().task_finished(key, 128 + SIGTERM, {}, "cancelled");
    pump_submissions();
  } else if (task.phase == Phase::submitted) {
    request_cancel(task);
  }
  // submitting: on_submitted cancels the job; looking up: on_query does.
  return true;
}

void SlurmExecutor::request_cancel(Task& task) {
  transport_->cancel({*task.job}, [this, job = *task.job](const std::string& error) {
    // The job's end comes through the next queries either way.
    if (!error.empty()) host().warn("cannot cancel Slurm job " + std::to_string(job) + ": " + error);
  });
}

void SlurmExecutor::recover(const TaskSpec& task, std::string_view external_id) {
  if (tasks_.find(task.task_key) != tasks_.end()) {
    throw std::invalid_argument("task '" + task.task_key + "' is already followed");
  }
  std::optional<JobId> job;
  if (!external_id.empty()) {
    job = parse_job_id(external_id);
    if (!job) {
      host().task_lost(task.task_key, "cannot recover the task: its external id '" + std::string(external_id) +
                                          "' is not a Slurm job id");
      return;
    }
  }
  Task& recovered = tasks_[task.task_key];
  recovered.key = task.task_key;
  recovered.output_path = task.output_path;
  recovered.marker_path = exit_marker_path(task);
  if (job) {
    track(recovered, *job);
  } else {
    recovered.phase = Phase::looking_up;
    recovered.listed_from_query = queries_started_ + 1;
    start_polling();
  }
}

void SlurmExecutor::start_polling() {
  if (polling_) return;
  set_timer(poll_timer_fd_, config_.poll_interval, config_.poll_interval);
  host().watch_fd<SlurmExecutor, &SlurmExecutor::on_poll_timer>(poll_timer_fd_, this);
  polling_ = true;
}

void SlurmExecutor::on_poll_timer(int fd) noexcept {
  drain_timer(fd);
  try {
    if (jobs_in_flight() == 0) {
      const itimerspec disarmed{};  // nothing to follow: no ticks until a job comes
      ::timerfd_settime(fd, 0, &disarmed, nullptr);
      polling_ = false;
      return;
    }
    host().watch_fd<SlurmExecutor, &SlurmExecutor::on_poll_timer>(fd, this);
    if (querying_) return;  // the last one still runs: skip this tick
    querying_ = true;
    const uint64_t query = ++queries_started_;
    transport_->query([this, query](const QueryResult& result) {
      querying_ = false;
      on_query(query, result);
    });
  } catch (const std::exception& e) {
    querying_ = false;
    host().error(std::string("the slurm executor cannot query Slurm: ") + e.what());
  }
}

void SlurmExecutor::on_pace_timer(int fd) noexcept {
  drain_timer(fd);
  pace_timer_watched_ = false;
  try {
    pump_submissions();
  } catch (const std::exception& e) {
    host().error(std::string("the slurm executor cannot submit jobs: ") + e.what());
  }
}

void SlurmExecutor::on_query(uint64_t query, const QueryResult& result) {
  if (!result.error.empty()) {
    // Transient (slurmctld restarting, busy): the next tick asks again.
    host().warn("cannot list the Slurm jobs: " + result.error);
    return;
  }
  std::unordered_map<JobId, const JobRecord*> by_id;
  std::unordered_map<std::string_view, const JobRecord*> by_name;
  for (const auto& job : result.jobs) {
    by_id[job.id] = &job;
    // The newest job of a name wins: ids grow.
    auto& named = by_name[job.name];
    if (named == nullptr || named->id < job.id) named = &job;
  }
  std::vector<std::string> keys;
  for (const auto& [key, task] : tasks_) {
    if (task.phase != Phase::queued && task.phase != Phase::submitting && task.listed_from_query <= query) {
      keys.push_back(key);
    }
  }
  for (const auto& key : keys) {
    Task& task = tasks_.find(key)->second;
    if (task.phase == Phase::looking_up) {
      const auto named = by_name.find(task.key);
      if (named == by_name.end()) {
        const auto recorded = read_exit_marker(task.marker_path);
        settle(task, recorded ? JobOutcome{JobOutcome::Kind::finished, *recorded, {}}
                              : JobOutcome{JobOutcome::Kind::lost, 0,
                                           "Slurm has no job named after the task: weftd stopped before submitting "
                                           "it, or Slurm forgot it (MinJobAge)"});
        continue;
      }
      host().task_started(task.key, std::to_string(named->second->id));
      task.phase = Phase::submitted;
      task.job = named->second->id;
      if (task.cancel_requested) request_cancel(task);
    }
    const auto listed = by_id.find(*task.job);
    if (listed == by_id.end()) {
      settle(task, outcome_of_vanished(*task.job, read_exit_marker(task.marker_path), task.cancel_requested));
    } else {
      settle(task, outcome_of(*listed->second, read_exit_marker(task.marker_path), task.cancel_requested));
    }
  }
  pump_submissions();
}

void SlurmExecutor::settle(Task& task, const JobOutcome& outcome) {
  if (outcome.kind == JobOutcome::Kind::going) return;
  const std::string key = task.key;
  const std::string output_path = task.output_path;
  tasks_.erase(key);
  if (outcome.kind == JobOutcome::Kind::lost) return host().task_lost(key, outcome.error);
  report_finished(key, outcome.exit_code, outcome.error, output_path);
}

void SlurmExecutor::report_finished(const std::string& key, int exit_code, const std::string& error,
                                    const std::string& output_path) {
  const auto [output, output_error] = read_output(output_path);
  std::string errors = error;
  if (!output_error.empty()) errors += (errors.empty() ? "" : "; ") + output_error;
  host().task_finished(key, exit_code, output, errors);
}

}  // namespace weft::slurm
