// Lets a request thread wait for a run to end, woken by the scheduler's
// stored transitions (ApiServer::publish) rather than by polling the store:
// a synchronous OGC execution answers as soon as its run is final.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace weft::daemon {

class RunEnds {
 public:
  // Any thread, never blocks for long: the run reached a final status.
  void ended(const std::string& run_id);

  // Watches one run from its construction, so that an end stored between a
  // look at the store and wait_until() is not missed.
  class Watch {
   public:
    Watch(RunEnds& ends, std::string run_id);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    // Whether the run ended before the deadline.
    bool wait_until(std::chrono::steady_clock::time_point deadline);

   private:
    RunEnds& ends_;
    std::string run_id_;
  };

 private:
  struct Watched {
    int watchers = 0;
    bool ended = false;
  };
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Watched> watched_;  // only runs someone waits for
};

}  // namespace weft::daemon
