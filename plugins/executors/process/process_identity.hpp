// What names one process for good: its pid and its start time. A pid alone
// may be reused after a restart of weftd; the pair may not.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::process {

struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_time = 0;  // clock ticks after boot, /proc/<pid>/stat field 22

  // The identity of the live (or not yet reaped) process pid, if there is one.
  static std::optional<ProcessIdentity> of(pid_t pid);
  // Parses "<pid>:<start time>", the external id the executor reports.
  static std::optional<ProcessIdentity> parse(std::string_view external_id);
  // The process group leader whose environment holds WEFT_TASK_KEY=task_key:
  // how a task is found whose external id was never stored. Scans /proc, so
  // only for recovery.
  static std::optional<ProcessIdentity> find_by_task_key(std::string_view task_key);

  std::string external_id() const;
  // Whether this very process still exists.
  bool exists() const;
};

}  // namespace weft::process
