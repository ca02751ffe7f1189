// Run and task statuses: the ABI's integers as C++ enums, and the one place
// their names are spelled (the API, the CLI and stores show these names).
#pragma once

#include <weft/abi/weft_abi.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace weft::sdk {

enum class TaskStatus : int32_t {
  pending = WEFT_TASK_PENDING,
  ready = WEFT_TASK_READY,
  dispatched = WEFT_TASK_DISPATCHED,
  running = WEFT_TASK_RUNNING,
  retrying = WEFT_TASK_RETRYING,
  succeeded = WEFT_TASK_SUCCEEDED,
  failed = WEFT_TASK_FAILED,
  skipped = WEFT_TASK_SKIPPED,
  cancelled = WEFT_TASK_CANCELLED,
  upstream_failed = WEFT_TASK_UPSTREAM_FAILED
};

enum class RunStatus : int32_t {
  created = WEFT_RUN_CREATED,
  queued = WEFT_RUN_QUEUED,
  running = WEFT_RUN_RUNNING,
  succeeded = WEFT_RUN_SUCCEEDED,
  failed = WEFT_RUN_FAILED,
  cancelled = WEFT_RUN_CANCELLED,
  paused = WEFT_RUN_PAUSED  // since ABI 2.1
};

namespace detail {

// Indexed by the ABI value minus one.
inline constexpr std::array<std::string_view, 10> kTaskStatusNames = {
    "pending",   "ready",  "dispatched", "running",   "retrying",
    "succeeded", "failed", "skipped",    "cancelled", "upstream_failed"};
inline constexpr std::array<std::string_view, 7> kRunStatusNames = {"created", "queued",    "running", "succeeded",
                                                                    "failed",  "cancelled", "paused"};

template <class Enum, size_t N>
constexpr std::optional<Enum> from_int(int32_t value) {
  if (value < 1 || value > static_cast<int32_t>(N)) return std::nullopt;
  return static_cast<Enum>(value);
}

template <class Enum, size_t N>
constexpr std::optional<Enum> from_name(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i + 1);
  }
  return std::nullopt;
}

}  // namespace detail

constexpr std::string_view to_string(TaskStatus s) { return detail::kTaskStatusNames[static_cast<size_t>(s) - 1]; }
constexpr std::string_view to_string(RunStatus s) { return detail::kRunStatusNames[static_cast<size_t>(s) - 1]; }

// nullopt for a name or number that is no status.
constexpr std::optional<TaskStatus> parse_task_status(std::string_view name) {
  return detail::from_name<TaskStatus>(detail::kTaskStatusNames, name);
}
constexpr std::optional<RunStatus> parse_run_status(std::string_view name) {
  return detail::from_name<RunStatus>(detail::kRunStatusNames, name);
}
constexpr std::optional<TaskStatus> task_status_from_abi(int32_t value) {
  return detail::from_int<TaskStatus, detail::kTaskStatusNames.size()>(value);
}
constexpr std::optional<RunStatus> run_status_from_abi(int32_t value) {
  return detail::from_int<RunStatus, detail::kRunStatusNames.size()>(value);
}

constexpr bool is_final(TaskStatus s) {
  switch (s) {
    case TaskStatus::succeeded:
    case TaskStatus::failed:
    case TaskStatus::skipped:
    case TaskStatus::cancelled:
    case TaskStatus::upstream_failed: return true;
    default: return false;
  }
}
constexpr bool is_final(RunStatus s) {
  return s == RunStatus::succeeded || s == RunStatus::failed || s == RunStatus::cancelled;
}

}  // namespace weft::sdk
