#include "identity_spawn.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <stdexcept>
#include <system_error>

namespace weft::process {

namespace {

enum class Step { open_null, open_stdout, open_stderr, set_groups, set_gid, set_uid, drop_capabilities, chdir, exec };

// What the child reports through the pipe when a step fails before exec.
struct ChildFailure {
  Step step = Step::exec;
  int error = 0;
};

[[noreturn]] void fail_in_child(int pipe_fd, Step step) {
  const ChildFailure failure{step, errno};
  [[maybe_unused]] const ssize_t n = ::write(pipe_fd, &failure, sizeof failure);
  ::_exit(127);
}

bool open_as(int target, const char* path, int flags) {
  const int fd = ::open(path, flags, 0640);
  if (fd < 0) return false;
  if (fd != target) {
    if (::dup2(fd, target) < 0) return false;
    ::close(fd);
  }
  return true;
}

// Clears every capability set: a weftd that is not root switches users
// through ambient capabilities, and those would otherwise pass to the program.
bool drop_capabilities() {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return false;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> none{};
  return ::syscall(SYS_capset, &header, none.data()) == 0;
}

// The child, between fork and exec, with every signal blocked until the
// handlers are back at their defaults. Raw syscalls for the ids: glibc's
// wrappers would try to signal the other threads of weftd, which the child
// does not have.
[[noreturn]] void run_child(const TaskIdentity& identity, const SpawnRequest& request, int pipe_fd) {
  ::setpgid(0, 0);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  constexpr int kLogFlags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
  if (!open_as(STDIN_FILENO, "/dev/null", O_RDONLY)) fail_in_child(pipe_fd, Step::open_null);
  if (!open_as(STDOUT_FILENO, request.stdout_path.c_str(), kLogFlags)) fail_in_child(pipe_fd, Step::open_stdout);
  if (!open_as(STDERR_FILENO, request.stderr_path.c_str(), kLogFlags)) fail_in_child(pipe_fd, Step::open_stderr);
  ::syscall(SYS_close_range, STDERR_FILENO + 1, UINT_MAX, CLOSE_RANGE_CLOEXEC);  // the pipe is CLOEXEC too

  if (request.memory_bytes > 0) {
    // Before the exec: it holds from the program's first instruction. Best
    // effort, as on the posix_spawn path: the task runs either way.
    const rlimit limit{static_cast<rlim_t>(request.memory_bytes), static_cast<rlim_t>(request.memory_bytes)};
    ::setrlimit(RLIMIT_AS, &limit);
  }
  const auto& groups = identity.groups;
  if (::syscall(SYS_setgroups, groups.size(), groups.data()) != 0) fail_in_child(pipe_fd, Step::set_groups);
  if (::syscall(SYS_setresgid, identity.gid, identity.gid, identity.gid) != 0) fail_in_child(pipe_fd, Step::set_gid);
  if (::syscall(SYS_setresuid, identity.uid, identity.uid, identity.uid) != 0) fail_in_child(pipe_fd, Step::set_uid);
  // No set-user-ID program or file capability gives the task back what it
  // just lost (weftd.service sets NoNewPrivileges too; weftd run by hand does not).
  if (!drop_capabilities() || ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fail_in_child(pipe_fd, Step::drop_capabilities);
  }
  if (!request.cwd.empty() && ::chdir(request.cwd.c_str()) != 0) fail_in_child(pipe_fd, Step::chdir);
  ::execvpe(request.argv.front(), request.argv.data(), request.envp.data());
  fail_in_child(pipe_fd, Step::exec);
}

std::string step_text(Step step, const SpawnRequest& request) {
  switch (step) {
    case Step::open_null: return "open /dev/null";
    case Step::open_stdout: return "write '" + request.stdout_path + "'";
    case Step::open_stderr: return "write '" + request.stderr_path + "'";
    case Step::set_groups: return "set its groups";
    case Step::set_gid: return "set its group id";
    case Step::set_uid: return "set its user id";
    case Step::drop_capabilities: return "drop its privileges";
    case Step::chdir: return "change directory to '" + request.cwd + "'";
    case Step::exec: break;
  }
  return "execute it";
}

std::string failure_text(const TaskIdentity& identity, const SpawnRequest& request, const ChildFailure& failure) {
  const std::string step = step_text(failure.step, request);
  return "cannot start '" + std::string(request.argv.front()) + "' as user '" + identity.name + "': cannot " + step +
         ": " + std::system_category().message(failure.error);
}

}  // namespace

pid_t spawn_as(const TaskIdentity& identity, const SpawnRequest& request) {
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error("cannot prepare a process: " + std::system_category().message(errno));
  }
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = ::fork();
  if (pid == 0) run_child(identity, request, pipe_fds[1]);
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    throw std::runtime_error("cannot start a process: " + std::system_category().message(fork_error));
  }
  ::setpgid(pid, pid);  // also here: the group must exist before anyone signals it
  ChildFailure failure{};
  ssize_t n = 0;
  do {
    n = ::read(pipe_fds[0], &failure, sizeof failure);  // ends at exec (CLOEXEC) or at the report
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error(failure_text(identity, request, failure));
  }
  return pid;
}

}  // namespace weft::process
