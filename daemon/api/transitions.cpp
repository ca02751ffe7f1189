#include "api/transitions.hpp"

namespace weft::daemon {

Transitions TransitionTracker::apply(const WriteBatch& batch) {
  Transitions found;
  for (const auto& task : batch.tasks) {
    auto& tasks = runs_[task.run_id].tasks;
    const std::tuple now{task.status, task.attempt};
    const auto [last, added] = tasks.try_emplace(TaskKey{task.node, task.index}, now);
    if (!added && last->second == now) continue;
    const auto [status, attempt] = last->second;
    found.ran_before.push_back(!added && status == sdk::TaskStatus::running && attempt == task.attempt);
    last->second = now;
    found.tasks.push_back(&task);
  }
  for (const auto& run : batch.runs) {
    auto& seen = runs_[run.id];
    if (seen.status == run.status) continue;
    seen.status = run.status;
    found.runs.push_back(&run);
    // A finished run is written again only when it is retried: then it starts afresh here.
    if (sdk::is_final(run.status)) runs_.erase(run.id);
  }
  return found;
}

}  // namespace weft::daemon
