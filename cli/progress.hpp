// Live progress of a run for --wait: "tasks done/total".
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

namespace weft::cli {

struct TaskProgress {
  long long done = 0;   // tasks in a final state
  long long total = 0;  // all tasks known so far (for_each nodes add tasks as they expand)
  bool operator==(const TaskProgress&) const = default;
};

// From a run's "tasks" counts by state, {"pending": 2, "succeeded": 3, ...}.
TaskProgress task_progress(const nlohmann::json& run);

bool is_final_run_status(const std::string& status);

// On a terminal, one bar redrawn in place with \r; elsewhere (a pipe, a log
// file) a plain line only when the numbers change.
class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  void update(const TaskProgress& progress);
  // Ends the bar's line so that what follows starts on a fresh one.
  void finish();

 private:
  std::ostream& out_;
  bool terminal_;
  bool shown_ = false;
  TaskProgress last_;
};

}  // namespace weft::cli
