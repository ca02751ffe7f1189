// The environment a task's process starts with: the daemon's own, captured
// once, merged with the task's variables at each start.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace weft::process {

class TaskEnvironment {
 public:
  // Captures envp ("NAME=value" entries, NULL-terminated) except the
  // variables named in dropped.
  TaskEnvironment(const char* const* envp, std::span<const std::string_view> dropped);

  // The envp for one child: the captured entries, each replaced by the entry
  // of overrides with the same name, then the overrides not captured.
  // overrides holds "NAME=value" entries with distinct names. The pointers
  // point into this object and into overrides: keep both alive until the spawn.
  std::vector<char*> merge(const std::vector<std::string>& overrides) const;

 private:
  std::vector<std::string> entries_;
  // Name -> position in entries_; the views point into entries_, which never changes after construction.
  std::unordered_map<std::string_view, size_t> position_of_;
};

}  // namespace weft::process
