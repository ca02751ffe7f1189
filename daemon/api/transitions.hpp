// Which records of a stored batch are transitions. The journal writes a task
// whenever anything of it changes (its executor's id, its output); watchers
// care when its status or attempt moves, and a run's status.
#pragma once

#include "store/store_client.hpp"

#include <weft/sdk/status.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace weft::daemon {

// Points into the batch given to TransitionTracker::apply: valid while it is.
struct Transitions {
  std::vector<const TaskRecord*> tasks;  // in the batch's order
  // Per task: its attempt was reported running before (a short attempt may
  // be stored running and final in one batch, and so never reported running).
  std::vector<bool> ran_before;
  std::vector<const RunRecord*> runs;  // after the tasks they hold: a run ends after its tasks
};

// One thread only (the API's loop).
class TransitionTracker {
 public:
  Transitions apply(const WriteBatch& batch);
  size_t runs_tracked() const { return runs_.size(); }

 private:
  using TaskKey = std::tuple<std::string, int64_t>;  // node, index
  struct Seen {
    std::optional<sdk::RunStatus> status;
    std::map<TaskKey, std::tuple<sdk::TaskStatus, int32_t>> tasks;  // status, attempt last reported
  };
  // Unfinished runs (and finished ones until their end is seen): what was last reported.
  std::unordered_map<std::string, Seen> runs_;
};

}  // namespace weft::daemon
