// The baseline weftd is compared with: the same programs started by a bare
// posix_spawn loop, reaped through pidfds, with no store, no files, no API.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace weft::bench {

// Runs `count` copies of argv (argv[0] an absolute path), at most
// `max_in_flight` at once, starting a new one as soon as one ends; returns the
// wall time. Throws std::runtime_error when a spawn fails or a copy exits non-zero.
std::chrono::nanoseconds spawn_all(const std::vector<std::string>& argv, int count, int max_in_flight);

}  // namespace weft::bench
