#include "spawn_loop.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <unordered_map>

extern char** environ;

namespace weft::bench {

namespace {

class Epoll {
 public:
  Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  }
  ~Epoll() { ::close(fd_); }
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Children in flight, by pidfd.
using Children = std::unordered_map<int, pid_t>;

// The file actions of one copy that writes to log files, as weftd opens a task's.
class LogFiles {
 public:
  LogFiles(const std::filesystem::path& log_dir, int index)
      : stdout_path_(log_dir / (std::to_string(index) + ".stdout")),
        stderr_path_(log_dir / (std::to_string(index) + ".stderr")) {
    constexpr int kLogFlags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions_, STDOUT_FILENO, stdout_path_.c_str(), kLogFlags, 0600);
    ::posix_spawn_file_actions_addopen(&actions_, STDERR_FILENO, stderr_path_.c_str(), kLogFlags, 0600);
  }
  ~LogFiles() { ::posix_spawn_file_actions_destroy(&actions_); }
  LogFiles(const LogFiles&) = delete;
  LogFiles& operator=(const LogFiles&) = delete;
  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  std::string stdout_path_;  // the actions point into these
  std::string stderr_path_;
  posix_spawn_file_actions_t actions_{};
};

void spawn_one(std::vector<char*>& argv, const LogFiles* logs, const Epoll& epoll, Children& children) {
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], logs ? logs->get() : nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw std::runtime_error(std::string("posix_spawn ") + argv[0] + ": " + std::strerror(rc));
  // Through syscall(): Debian 12's <sys/pidfd.h> declares pidfd_open without C linkage.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = pidfd;
  ::epoll_ctl(epoll.fd(), EPOLL_CTL_ADD, pidfd, &event);
  children.emplace(pidfd, pid);
}

void reap(int pidfd, const Epoll& epoll, Children& children) {
  const pid_t pid = children.at(pidfd);
  children.erase(pidfd);
  // Removed explicitly: close() alone would leave it in the set while a child
  // spawned meanwhile, between its clone and its exec, still holds a copy.
  ::epoll_ctl(epoll.fd(), EPOLL_CTL_DEL, pidfd, nullptr);
  ::close(pidfd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("a baseline child did not exit with 0 (wait status " + std::to_string(status) + ")");
  }
}

// log_dir empty: no file actions at all.
std::chrono::nanoseconds spawn_loop(const std::vector<std::string>& args, int count, int max_in_flight,
                                    const std::filesystem::path& log_dir) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const Epoll epoll;
  Children children;
  std::vector<epoll_event> ready(static_cast<size_t>(max_in_flight));
  int started = 0;
  const auto begin = std::chrono::steady_clock::now();
  while (started < count || !children.empty()) {
    while (started < count && static_cast<int>(children.size()) < max_in_flight) {
      std::optional<LogFiles> logs;
      if (!log_dir.empty()) logs.emplace(log_dir, started);
      spawn_one(argv, logs ? &*logs : nullptr, epoll, children);
      ++started;
    }
    const int n = ::epoll_wait(epoll.fd(), ready.data(), max_in_flight, -1);
    if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
    for (int i = 0; i < n; ++i) reap(ready[static_cast<size_t>(i)].data.fd, epoll, children);
  }
  return std::chrono::steady_clock::now() - begin;
}

}  // namespace

std::chrono::nanoseconds spawn_all(const std::vector<std::string>& args, int count, int max_in_flight) {
  return spawn_loop(args, count, max_in_flight, {});
}

std::chrono::nanoseconds spawn_all_with_logs(const std::vector<std::string>& args, int count, int max_in_flight,
                                             const std::filesystem::path& log_dir) {
  return spawn_loop(args, count, max_in_flight, log_dir);
}

}  // namespace weft::bench
