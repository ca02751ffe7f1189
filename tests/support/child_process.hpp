// Test support: run a program to completion and capture what it printed and
// how it ended. The CLI and daemon suites use it for the real `weft` and
// `weftd` binaries. Header-only so that it needs no change to the support
// library's build.
#pragma once

#include "weftd_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::test {

struct ProcessResult {
  int exit_code = -1;  // -1 unless the process exited by itself
  int signal = 0;      // the signal that ended it, else 0
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string output() const { return out + err; }  // for failure messages
};

namespace detail {

inline std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Reads both pipes until both close or the deadline passes; returns whether they closed.
inline bool drain(int out_fd, int err_fd, std::string& out, std::string& err,
                  std::chrono::steady_clock::time_point deadline) {
  std::array<pollfd, 2> fds{{{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&out, &err};
  int open = 2;
  while (open > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      std::array<char, 4096> buffer{};
      const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        sinks[i]->append(buffer.data(), static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open;
      }
    }
  }
  return true;
}

}  // namespace detail

// Runs `program args...` with stdin from /dev/null and waits for it (killing
// it after `timeout`), in harness::child_environment(`env`).
inline ProcessResult run_program(const std::filesystem::path& program, const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env = {},
                                 std::chrono::seconds timeout = std::chrono::seconds(60)) {
  std::vector<std::string> argv_strings{program.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto env_strings = harness::child_environment(env);
  auto argv = detail::pointers_to(argv_strings);
  auto envp = detail::pointers_to(env_strings);

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  ProcessResult result;
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    result.err = "cannot start " + program.string() + ": " + std::strerror(spawned);
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  result.timed_out = !detail::drain(out_pipe[0], err_pipe[0], result.out, result.err, deadline);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  if (result.timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

inline std::filesystem::path weft_binary() { return build_dir() / "bin" / "weft"; }
inline std::filesystem::path weftd_binary() { return build_dir() / "bin" / "weftd"; }

// The `weft` CLI pointed at `weftd` through WEFT_SERVER and WEFT_TOKEN_FILE,
// as a user on the daemon's host would run it.
inline ProcessResult run_weft(const WeftdProcess& weftd, const std::vector<std::string>& args,
                              std::map<std::string, std::string> env = {}) {
  env.emplace("WEFT_SERVER", weftd.url());
  env.emplace("WEFT_TOKEN_FILE", (weftd.state_dir() / "admin.token").string());
  return run_program(weft_binary(), args, env);
}

}  // namespace weft::test
