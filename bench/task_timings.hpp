// Timings of one finished run, read from weftd's store (its sqlite file
// read-only, or its PostgreSQL schema), because the API does not expose a
// task's ready_at. Times are weftd's own
// wall-clock stamps, in milliseconds since the epoch.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace weft::bench {

struct TaskTimes {
  int64_t ready_at = 0;
  int64_t started_at = 0;  // 0 for tasks that ran inside the daemon (noop)
  int64_t finished_at = 0;
};

struct RunTimings {
  std::string status;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int succeeded_tasks = 0;
  // Every task that was made ready: node rows of for_each nodes, which are
  // never ready themselves, are left out.
  std::vector<TaskTimes> tasks;

  double wall_s() const { return static_cast<double>(finished_at - started_at) / 1000.0; }
};

// Throws std::runtime_error naming the file when the database cannot be read
// or holds no such run.
RunTimings read_run_timings(const std::filesystem::path& database, const std::string& run_id);
// The same from the postgres store that weftd's `storage` settings name.
RunTimings read_run_timings(const nlohmann::json& postgres_storage, const std::string& run_id);

// The nearest-rank percentile (0 < p <= 100) of the values; 0 when there are none.
double percentile(std::vector<double> values, double p);

}  // namespace weft::bench
