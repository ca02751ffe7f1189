#include "api/ogc/run_ends.hpp"

namespace weft::daemon {

void RunEnds::ended(const std::string& run_id) {
  {
    const std::lock_guard lock(mutex_);
    const auto found = watched_.find(run_id);
    if (found == watched_.end()) return;
    found->second.ended = true;
  }
  changed_.notify_all();
}

RunEnds::Watch::Watch(RunEnds& ends, std::string run_id) : ends_(ends), run_id_(std::move(run_id)) {
  const std::lock_guard lock(ends_.mutex_);
  ++ends_.watched_[run_id_].watchers;
}

RunEnds::Watch::~Watch() {
  const std::lock_guard lock(ends_.mutex_);
  const auto found = ends_.watched_.find(run_id_);
  if (--found->second.watchers == 0) ends_.watched_.erase(found);
}

bool RunEnds::Watch::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(ends_.mutex_);
  return ends_.changed_.wait_until(lock, deadline, [&] { return ends_.watched_.at(run_id_).ended; });
}

}  // namespace weft::daemon
