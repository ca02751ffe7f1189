// Starting a task's process as another user. posix_spawn cannot change a
// child's user, so this forks, and the child (one thread, async-signal-safe
// calls only) drops weftd's identity before it executes the program.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "task_identity.hpp"

namespace weft::process {

struct SpawnRequest {
  std::vector<char*> argv;  // NULL-terminated; argv[0] looked up in weftd's PATH
  std::vector<char*> envp;  // NULL-terminated
  std::string stdout_path;
  std::string stderr_path;
  std::string cwd;           // empty: weftd's own
  int64_t memory_bytes = 0;  // RLIMIT_AS when > 0
};

// Starts the program as `identity` (its uid, gid and groups, no capabilities,
// no ambient ones either, no_new_privs set) leading a process group of its own, with default
// signal actions, an empty signal mask, stdin from /dev/null, stdout and
// stderr opened by weftd's user before the switch (so the task writes its
// logs but cannot reopen them), no other fd of weftd, the working directory
// changed as the task user. Returns the pid; throws std::runtime_error naming
// the step that failed (nothing is left running then).
pid_t spawn_as(const TaskIdentity& identity, const SpawnRequest& request);

}  // namespace weft::process
