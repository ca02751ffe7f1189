// Plays a container on this machine for the fakes of remote engines (Argo
// Workflows, Cloud Run): its command runs as a local process in a process
// group of its own, with this machine's environment under the container's
// env, in its working directory; the image is not pulled, the machine plays
// it. Stopping it ends the whole group, as a container runtime ends a
// container's processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace weft::fakes {

struct ContainerSpec {
  std::vector<std::string> argv;           // command then args
  std::map<std::string, std::string> env;  // over this machine's environment
  std::string working_dir;                 // empty: the fake's own
  std::filesystem::path stdout_file;       // appended to
  std::filesystem::path stderr_file;       // appended to; may be stdout_file
};

struct ContainerEnd {
  int exit_code = 0;        // 128+N when killed by signal N
  std::string stop_reason;  // why it was stopped; empty: it ended by itself
};

// Starts the container's process; returns its pid, or -errno when it could not start.
pid_t start_container(const ContainerSpec& spec);

// Waits for the process to end, with `lock` held except while waiting.
// stop_reason is asked, under the lock, about every 100 ms: once it returns
// a reason the group gets SIGTERM, and SIGKILL `grace` later.
ContainerEnd wait_container(pid_t pid, std::unique_lock<std::mutex>& lock,
                            const std::function<std::string()>& stop_reason, std::chrono::milliseconds grace);

}  // namespace weft::fakes
