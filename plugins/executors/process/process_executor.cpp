#include "process_executor.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "identity_spawn.hpp"
#include "process_identity.hpp"
#include "task_check.hpp"
#include "task_output_file.hpp"

extern char** environ;

namespace weft::process {

namespace {

using nlohmann::json;
using sdk::TaskSpec;

constexpr mode_t kLogFileMode = 0640;

std::string error_text(int error) { return std::system_category().message(error); }

// posix_spawn takes char* const[] but never writes through it.
std::vector<char*> argv_of(const TaskSpec& task) {
  std::vector<char*> argv;
  argv.reserve(task.command->argv.size() + 1);
  for (const auto& arg : task.command->argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

void create_parent_directories(const TaskSpec& task) {
  std::filesystem::path created;
  for (const std::string* file : {&task.stdout_path, &task.stderr_path, &task.output_path}) {
    const auto dir = std::filesystem::path(*file).parent_path();
    if (dir.empty() || dir == created) continue;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create directory '" + dir.string() + "': " + ec.message());
    created = dir;
  }
}

// What the child does between fork and exec: stdin from /dev/null, stdout
// and stderr into their files, the working directory, no other fd of weftd.
class SpawnFileActions {
 public:
  explicit SpawnFileActions(const TaskSpec& task) {
    ::posix_spawn_file_actions_init(&actions_);
    // O_NOFOLLOW: a link a task left at its log path (a retry writes the same
    // files) must not make the next attempt truncate the file it points to.
    constexpr int kLogFlags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
    check(::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0));
    check(::posix_spawn_file_actions_addopen(&actions_, STDOUT_FILENO, task.stdout_path.c_str(), kLogFlags,
                                             kLogFileMode));
    check(::posix_spawn_file_actions_addopen(&actions_, STDERR_FILENO, task.stderr_path.c_str(), kLogFlags,
                                             kLogFileMode));
    const std::string& cwd = task.command->cwd;
    if (!cwd.empty()) check(::posix_spawn_file_actions_addchdir_np(&actions_, cwd.c_str()));
    check(::posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1));
  }
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;

  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  static void check(int error) {
    if (error != 0) throw std::runtime_error("cannot prepare a process: " + error_text(error));
  }
  posix_spawn_file_actions_t actions_;
};

// posix_spawnp reports one errno for whatever failed in the child; find out
// which of the task's paths it was, so that the message names it.
std::string explain_spawn_failure(const TaskSpec& task, int error) {
  const std::string cannot_start = "cannot start '" + task.command->argv.front() + "'";
  for (const std::string* file : {&task.stdout_path, &task.stderr_path}) {
    struct stat link {};
    if (::lstat(file->c_str(), &link) == 0 && S_ISLNK(link.st_mode))
      return cannot_start + ": '" + *file + "' is a symbolic link, which weft does not write through";
    if (::access(file->c_str(), W_OK) != 0)
      return cannot_start + ": cannot write '" + *file + "': " + error_text(errno);
  }
  const std::string& cwd = task.command->cwd;
  if (!cwd.empty() && ::access(cwd.c_str(), X_OK) != 0) return cannot_start + " in '" + cwd + "': " + error_text(errno);
  return cannot_start + ": " + error_text(error);
}

// Signals the process group led by pid, or pid alone if the task moved itself
// out of that group.
void signal_group(pid_t pid, int signal) {
  if (::kill(-pid, signal) != 0 && errno == ESRCH) ::kill(pid, signal);
}

// For a child that was started but cannot be tracked: nothing may survive a
// start that reports failure.
void stop_and_reap(pid_t pid) {
  signal_group(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

std::string join_errors(std::string first, const std::string& second) {
  if (first.empty()) return second;
  if (!second.empty()) first += "; " + second;
  return first;
}

struct Ending {
  int exit_code = 0;
  std::string error;
};

Ending ending_of(const siginfo_t& info, bool cancelled) {
  const bool killed = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  Ending ending{killed ? 128 + info.si_status : info.si_status, {}};
  if (cancelled) {
    ending.error = "cancelled";
  } else if (killed) {
    ending.error = "killed by signal " + std::to_string(info.si_status);
  }
  return ending;
}

// The same for every task: a process group of its own, default signal
// actions, an empty signal mask.
void init_spawn_attributes(posix_spawnattr_t& attributes) {
  ::posix_spawnattr_init(&attributes);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  ::posix_spawnattr_setpgroup(&attributes, 0);  // a new group, led by the child
  ::posix_spawnattr_setsigmask(&attributes, &none);
  ::posix_spawnattr_setsigdefault(&attributes, &all);
}

timespec to_timespec(std::chrono::steady_clock::time_point when) {
  const auto since_boot = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
  return timespec{static_cast<time_t>(seconds.count()), static_cast<long>((since_boot - seconds).count())};
}

}  // namespace

ProcessExecutor::ProcessExecutor(const weft::sdk::Host& host, const json& config)
    : ProcessExecutor(host, ProcessExecutorConfig::parse(config)) {}

ProcessExecutor::ProcessExecutor(const weft::sdk::Host& host, ProcessExecutorConfig config)
    : Executor(host),
      kill_grace_(config.kill_grace),
      run_as_(std::move(config.run_as)),
      task_uids_(config.task_uids
                     ? std::optional<TaskUidPool>(std::in_place, config.task_uids->first, config.task_uids->second)
                     : std::nullopt),
      environment_(run_as_ ? TaskEnvironment(environ, *run_as_) : TaskEnvironment(environ)),
      kill_timer_fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (kill_timer_fd_ < 0) throw std::runtime_error("the process executor cannot create a timer: " + error_text(errno));
  init_spawn_attributes(spawn_attributes_);
  if (!run_as_) {
    host.warn(
        "the process executor runs tasks as weftd's own user: a task can read the admin token, the database and "
        "other tasks' files; set run_as to an unprivileged user (docs/operations.md, Security)");
  }
}

ProcessExecutor::~ProcessExecutor() {
  for (const auto& [pidfd, task] : tasks_by_pidfd_) ::close(pidfd);
  ::close(kill_timer_fd_);
  ::posix_spawnattr_destroy(&spawn_attributes_);
}

void ProcessExecutor::start(const TaskSpec& task) {
  check_task(task);
  if (tasks_.find(task.task_key) != tasks_.end()) {
    throw std::invalid_argument("task '" + task.task_key + "' is already running");
  }
  create_parent_directories(task);
  const auto task_uid = acquire_task_uid(task);
  ProcessIdentity identity;
  try {
    const pid_t pid = spawn(task, task_uid);
    // The start time identifies the process after a restart of weftd. The
    // child is not reaped yet, so /proc has it; 0 if /proc is unreadable
    // (recover then treats the process as gone).
    identity = ProcessIdentity::of(pid).value_or(ProcessIdentity{pid, 0});
    watch_exit(task, pid);
  } catch (...) {
    if (task_uid) task_uids_->release(*task_uid);
    throw;
  }
  tasks_.find(task.task_key)->second.task_uid = task_uid;
  host().task_started(task.task_key, identity.external_id());
}

std::optional<uid_t> ProcessExecutor::acquire_task_uid(const TaskSpec& task) {
  if (!task_uids_) return std::nullopt;
  const auto uid = task_uids_->acquire();
  if (!uid) {
    throw std::runtime_error("cannot start task '" + task.task_key + "': all task_uids " +
                             std::to_string(task_uids_->first()) + ".." + std::to_string(task_uids_->last()) +
                             " are held by running tasks; widen the range or lower max_running_tasks");
  }
  return uid;
}

pid_t ProcessExecutor::spawn_as_task_user(const TaskSpec& task, const TaskIdentity& identity) const {
  prepare_output_file(task, identity);
  const auto variables = task_variables(task);
  const SpawnRequest request{argv_of(task),     environment_.merge(variables),
                             task.stdout_path,  task.stderr_path,
                             task.command->cwd, task.resources.memory_mb > 0 ? task.resources.memory_mb << 20 : 0};
  return spawn_as(identity, request);
}

pid_t ProcessExecutor::spawn(const TaskSpec& task, std::optional<uid_t> task_uid) const {
  if (run_as_) return spawn_as_task_user(task, task_uid ? run_as_->with_own_uid(*task_uid) : *run_as_);
  const SpawnFileActions actions(task);
  const auto argv = argv_of(task);
  const auto variables = task_variables(task);
  const auto envp = environment_.merge(variables);
  pid_t pid = 0;
  // Looks the program up in weftd's PATH, not in the task's env.
  const int error = ::posix_spawnp(&pid, argv.front(), actions.get(), &spawn_attributes_, argv.data(), envp.data());
  if (error != 0) throw std::runtime_error(explain_spawn_failure(task, error));
  if (task.resources.memory_mb > 0) {
    // Best effort: the program already runs when the limit lands.
    const rlim_t bytes = static_cast<rlim_t>(task.resources.memory_mb) << 20;
    const rlimit limit{bytes, bytes};
    if (::prlimit(pid, RLIMIT_AS, &limit, nullptr) != 0) {
      host().warn("task '" + task.task_key + "': cannot limit its memory: " + error_text(errno));
    }
  }
  return pid;
}

void ProcessExecutor::watch_exit(const TaskSpec& task, pid_t pid) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int error = errno;
    stop_and_reap(pid);
    throw std::runtime_error("cannot watch the process of task '" + task.task_key + "': " + error_text(error));
  }
  RunningTask& running = tasks_[task.task_key];
  running.key = task.task_key;
  running.pid = pid;
  running.pidfd = pidfd;
  running.output_path = task.output_path;
  tasks_by_pidfd_[pidfd] = &running;
  try {
    host().watch_fd<ProcessExecutor, &ProcessExecutor::on_exit>(pidfd, this);
  } catch (...) {
    forget(running);
    stop_and_reap(pid);
    throw;
  }
}

bool ProcessExecutor::cancel(std::string_view task_key) {
  const auto found = tasks_.find(task_key);
  if (found == tasks_.end()) return false;
  RunningTask& task = found->second;
  if (task.cancelled) return true;
  task.cancelled = true;
  signal_group(task.pid, SIGTERM);
  task.kill_deadline = kill_deadlines_.emplace(Clock::now() + kill_grace_, &task);
  arm_kill_timer();
  return true;
}

void ProcessExecutor::recover(const TaskSpec& task, std::string_view external_id) {
  const std::string& task_key = task.task_key;
  // An empty external id: weftd stopped before it stored the task's start.
  const auto identity =
      external_id.empty() ? ProcessIdentity::find_by_task_key(task_key) : ProcessIdentity::parse(external_id);
  if (external_id.empty() && !identity) {
    host().task_lost(task_key, "weftd restarted before the task's start was stored; it is not running");
  } else if (!identity) {
    host().task_lost(task_key, "cannot recover the task after a weftd restart: its external id '" +
                                   std::string(external_id) + "' is not <pid>:<start time>");
  } else if (identity->exists()) {
    signal_group(identity->pid, SIGKILL);
    host().task_lost(task_key, "weftd restarted while the task ran; it was stopped and will run again");
  } else {
    host().task_lost(task_key, "the task's process is gone after a weftd restart");
  }
  if (run_as_) {  // the task will not end here
    if (const std::string problem = reclaim_output_file(task.output_path); !problem.empty()) host().warn(problem);
  }
}

void ProcessExecutor::on_exit(int pidfd) noexcept {
  try {
    reap(pidfd);
  } catch (const std::exception& e) {
    host().error(std::string("the process executor failed to finish a task: ") + e.what());
  }
}

void ProcessExecutor::reap(int pidfd) {
  const auto found = tasks_by_pidfd_.find(pidfd);
  if (found == tasks_by_pidfd_.end()) return;
  RunningTask& task = *found->second;
  // The leader has ended; processes of a cancelled task's group that ignored
  // SIGTERM go now, while the unreaped leader still holds the group's id.
  if (task.cancelled) signal_group(task.pid, SIGKILL);
  siginfo_t info{};
  if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG) != 0) {
    const std::string key = task.key;
    const int error = errno;
    forget(task);
    host().task_lost(key, "cannot learn how the task's process ended: " + error_text(error));
    return;
  }
  if (info.si_pid == 0) {  // not ended after all: wait again
    host().watch_fd<ProcessExecutor, &ProcessExecutor::on_exit>(pidfd, this);
    return;
  }
  const Ending ending = ending_of(info, task.cancelled);
  // The file is the task user's, mode 0600: weftd, running as its own user
  // with CAP_CHOWN but not CAP_DAC_OVERRIDE, takes it back before reading.
  // The task cannot swap it meanwhile: it may not write to the directory.
  const std::string reclaimed = run_as_ ? reclaim_output_file(task.output_path) : std::string();
  OutputFile output = read_output_file(task.output_path);
  // Not taken back, the file is unreadable to weftd and readable to the
  // task user's later tasks: the task fails saying why.
  if (!reclaimed.empty()) output.error = reclaimed;
  const std::string key = task.key;
  forget(task);
  host().task_finished(key, ending.exit_code, output.json, join_errors(ending.error, output.error));
}

void ProcessExecutor::on_kill_timer(int timer_fd) noexcept {
  kill_timer_watched_ = false;
  uint64_t expirations = 0;
  [[maybe_unused]] const ssize_t n = ::read(timer_fd, &expirations, sizeof expirations);
  const auto now = Clock::now();
  while (!kill_deadlines_.empty() && kill_deadlines_.begin()->first <= now) {
    RunningTask* task = kill_deadlines_.begin()->second;
    kill_deadlines_.erase(kill_deadlines_.begin());
    task->kill_deadline.reset();
    signal_group(task->pid, SIGKILL);
  }
  try {
    arm_kill_timer();
  } catch (const std::exception& e) {
    host().error(std::string("the process executor cannot wait for kill deadlines: ") + e.what());
  }
}

void ProcessExecutor::arm_kill_timer() {
  if (kill_deadlines_.empty()) return;
  itimerspec when{};
  when.it_value = to_timespec(kill_deadlines_.begin()->first);
  if (::timerfd_settime(kill_timer_fd_, TFD_TIMER_ABSTIME, &when, nullptr) != 0) {
    throw std::runtime_error("cannot set the kill timer: " + error_text(errno));
  }
  if (!kill_timer_watched_) {
    host().watch_fd<ProcessExecutor, &ProcessExecutor::on_kill_timer>(kill_timer_fd_, this);
    kill_timer_watched_ = true;
  }
}

void ProcessExecutor::forget(RunningTask& task) {
  if (task.kill_deadline) kill_deadlines_.erase(*task.kill_deadline);
  if (task.task_uid) task_uids_->release(*task.task_uid);
  tasks_by_pidfd_.erase(task.pidfd);
  ::close(task.pidfd);
  tasks_.erase(tasks_.find(task.key));
}

}  // namespace weft::process
