#include "local_container.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

extern char** environ;

namespace weft::fakes {

pid_t start_container(const ContainerSpec& spec) {
  if (spec.argv.empty()) return -ENOENT;
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : spec.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, spec.stdout_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (spec.stderr_file == spec.stdout_file) {
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, spec.stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  if (!spec.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  // A container starts with every signal at its default and none blocked,
  // whatever the test process did with its own.
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int error = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return error == 0 ? pid : -error;
}

ContainerEnd wait_container(pid_t pid, std::unique_lock<std::mutex>& lock,
                            const std::function<std::string()>& stop_reason, std::chrono::milliseconds grace) {
  using Clock = std::chrono::steady_clock;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  std::optional<Clock::time_point> kill_at;
  ContainerEnd end;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (!kill_at) {
      end.stop_reason = stop_reason();
      if (!end.stop_reason.empty()) {
        ::kill(-pid, SIGTERM);
        kill_at = Clock::now() + grace;
      }
    }
    if (kill_at && Clock::now() >= *kill_at) ::kill(-pid, SIGKILL);
    // Wait for the process to end, looking at stop requests every 100 ms:
    // a thousand containers must not keep the machine busy waking up.
    lock.unlock();
    pollfd exited{pidfd, POLLIN, 0};
    ::poll(&exited, 1, pidfd >= 0 ? 100 : 20);
    lock.lock();
  }
  if (pidfd >= 0) ::close(pidfd);
  // The container's other processes end with it.
  ::kill(-pid, SIGKILL);
  end.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return end;
}

}  // namespace weft::fakes
