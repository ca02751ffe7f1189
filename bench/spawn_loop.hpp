// The baseline weftd is compared with: the same programs started by a bare
// posix_spawn loop, reaped through pidfds, with no store, no files, no API.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace weft::bench {

// Runs `count` copies of argv (argv[0] an absolute path), at most
// `max_in_flight` at once, starting a new one as soon as one ends; returns the
// wall time. Throws std::runtime_error when a spawn fails or a copy exits non-zero.
std::chrono::nanoseconds spawn_all(const std::vector<std::string>& argv, int count, int max_in_flight);

// The same, but each copy's stdin is /dev/null and its stdout and stderr are
// files it creates in log_dir, as weftd's process executor gives every task:
// weftd's cost with the file system's cost for those files taken out.
std::chrono::nanoseconds spawn_all_with_logs(const std::vector<std::string>& argv, int count, int max_in_flight,
                                             const std::filesystem::path& log_dir);

}  // namespace weft::bench
