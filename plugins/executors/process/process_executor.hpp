// The `process` executor: runs each task as a local child process of weftd.
//
// One process group per task (cancel signals the whole group), stdout and
// stderr written by the child straight into the files the daemon names, the
// task's output read from the file in WEFT_OUTPUT when the process ends.
// Child exits and kill deadlines are waited for through Host::watch_fd on a
// pidfd and a timerfd: the executor has no threads and never polls.
//
// Threading: every member function runs on the daemon's event loop thread
// (start, cancel and recover by the ABI's rule, the fd callbacks by
// watch_fd's), so the executor's state needs no lock.
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <weft/sdk/executor.hpp>

#include "task_environment.hpp"
#include "task_identity.hpp"
#include "task_uid_pool.hpp"

namespace weft::process {

struct ProcessExecutorConfig {
  // How long a cancelled task has between SIGTERM and SIGKILL.
  std::chrono::nanoseconds kill_grace = std::chrono::seconds(5);
  // The user tasks run as; none: weftd's own user, with all its access.
  std::optional<TaskIdentity> run_as;
  // With run_as: each running task gets a uid (and gid) of its own from
  // first..last, and the run_as user's home and shell.
  std::optional<std::pair<uid_t, uid_t>> task_uids;

  // {"kill_grace_s": number >= 0, "run_as": user name, "task_uids": [first,
  // last]}; throws std::invalid_argument naming a bad or unknown key, or
  // saying why tasks cannot run as the run_as user (TaskIdentity::resolve).
  // Whether the uids are free is the executor's constructor's to check
  // (TaskUidPool).
  static ProcessExecutorConfig parse(const nlohmann::json& config);
};

class ProcessExecutor final : public weft::sdk::Executor {
 public:
  // Captures weftd's environment now: tasks get it as it is at construction;
  // with run_as, only PATH, the locale and TZ of it, and the user's HOME,
  // USER, LOGNAME and SHELL (nothing of weftd's secrets such as PGPASSWORD).
  // Warns through the host when tasks run as weftd's own user. Throws
  // std::invalid_argument for a config that parse or TaskUidPool refuses.
  ProcessExecutor(const weft::sdk::Host& host, const nlohmann::json& config);
  ProcessExecutor(const weft::sdk::Host& host, ProcessExecutorConfig config);
  // Closes the executor's fds; processes still running keep running (a later
  // weftd stops them through recover). The host must not serve a watch of
  // this executor after destroying it.
  ~ProcessExecutor() override;
  ProcessExecutor(const ProcessExecutor&) = delete;
  ProcessExecutor& operator=(const ProcessExecutor&) = delete;

  // Runs task.command: argv, env and cwd as given, stdout and stderr into
  // task.stdout_path and task.stderr_path, output read from task.output_path;
  // resources.memory_mb as RLIMIT_AS. With run_as, the process runs as that
  // user, which owns the output file while the task runs and nothing else. Throws, starting nothing, if check_task
  // refuses the task or the process cannot be started.
  void start(const sdk::TaskSpec& task) override;
  // SIGTERM to the task's process group now, SIGKILL after kill_grace if its
  // leader has not ended by then. FINISHED (error "cancelled") follows when
  // the leader is reaped.
  bool cancel(std::string_view task_key) override;
  // The task's process is no longer our child: stop it if it still runs, and
  // report LOST either way.
  void recover(const sdk::TaskSpec& task, std::string_view external_id) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct RunningTask;
  using KillDeadlines = std::multimap<Clock::time_point, RunningTask*>;

  struct RunningTask {
    std::string key;
    pid_t pid = 0;  // also the process group id
    int pidfd = -1;
    std::string output_path;
    std::optional<uid_t> task_uid;  // from task_uids_, given back when the task is forgotten
    bool cancelled = false;
    std::optional<KillDeadlines::iterator> kill_deadline;
  };

  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };

  pid_t spawn(const sdk::TaskSpec& task, std::optional<uid_t> task_uid) const;
  std::optional<uid_t> acquire_task_uid(const sdk::TaskSpec& task);
  pid_t spawn_as_task_user(const sdk::TaskSpec& task, const TaskIdentity& identity) const;
  void watch_exit(const sdk::TaskSpec& task, pid_t pid);
  // The fd callbacks run on the daemon's event loop and must not throw into it.
  void on_exit(int pidfd) noexcept;
  void on_kill_timer(int timer_fd) noexcept;
  void reap(int pidfd);
  void arm_kill_timer();
  void forget(RunningTask& task);

  std::chrono::nanoseconds kill_grace_;
  std::optional<TaskIdentity> run_as_;
  std::optional<TaskUidPool> task_uids_;
  TaskEnvironment environment_;
  std::unordered_map<std::string, RunningTask, KeyHash, std::equal_to<>> tasks_;  // by task key
  std::unordered_map<int, RunningTask*> tasks_by_pidfd_;                          // points into tasks_
  KillDeadlines kill_deadlines_;                                                  // of cancelled tasks, earliest first
  int kill_timer_fd_ = -1;  // a timerfd armed for the earliest kill deadline
  bool kill_timer_watched_ = false;
  posix_spawnattr_t spawn_attributes_;  // the same for every task
};

}  // namespace weft::process
