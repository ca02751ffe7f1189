// The environment a task's process starts with: the daemon's own (or, for a
// task user, the harmless part of it), captured once, merged with the task's
// variables at each start.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include <weft/sdk/task.hpp>

#include "task_identity.hpp"

namespace weft::process {

// The command's own env, then the variables that tell the task who it is:
// WEFT_OUTPUT, WEFT_RUN_ID, WEFT_NODE, WEFT_INDEX (for_each tasks only),
// WEFT_ATTEMPT, WEFT_TASK_KEY. Neither weftd's environment nor the command's
// env can set these six: they always mean what the executor says.
std::vector<std::string> task_variables(const sdk::TaskSpec& task);

class TaskEnvironment {
 public:
  // Captures envp ("NAME=value" entries, NULL-terminated) except the
  // variables task_variables sets.
  explicit TaskEnvironment(const char* const* envp);
  // For tasks that run as `user`: of envp only PATH, TZ, LANG, LANGUAGE and
  // LC_*, which hold no secret of weftd's, then the user's HOME, USER,
  // LOGNAME and SHELL.
  TaskEnvironment(const char* const* envp, const TaskIdentity& user);

  // The envp for one child: the captured entries, each replaced by the entry
  // of overrides with the same name, then the overrides not captured.
  // overrides holds "NAME=value" entries with distinct names. The pointers
  // point into this object and into overrides: keep both alive until the spawn.
  std::vector<char*> merge(const std::vector<std::string>& overrides) const;

 private:
  void index_entries();

  std::vector<std::string> entries_;
  // Name -> position in entries_; the views point into entries_, which never changes after construction.
  std::unordered_map<std::string_view, size_t> position_of_;
};

}  // namespace weft::process
