// The workflows' cron schedules. Each enabled schedule is one Clock timer for
// its next firing, armed again each time it fires: nothing polls.
//
// A firing is named by its time. schedule_run_key() makes it the idempotency
// key of the run it starts, which the store keeps unique: no firing starts two
// runs, whichever weftd fires it and however often it restarts.
//
// Changed on the scheduler's loop only; list() may be called from any thread
// (the API's), so what it shows is kept under a mutex.
#pragma once

#include "scheduler/clock.hpp"
#include "scheduler/commands.hpp"
#include "workflow/workflow.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon {

// "schedule:<workflow>@<firing time, RFC 3339 UTC>".
std::string schedule_run_key(std::string_view workflow, int64_t firing_ms);
// Keys of that form are the scheduler's alone.
bool is_schedule_run_key(std::string_view key);

class Schedules {
 public:
  using Fire = std::function<void(const std::shared_ptr<const Workflow>& workflow, int64_t version, int64_t firing_ms)>;
  // fire is called on the loop at each firing of an enabled schedule.
  Schedules(Clock& clock, Fire fire);

  // The latest version of a workflow: its schedule replaces the one before
  // (the last run stays), firing from now on. Without a schedule: removed.
  void set(std::shared_ptr<const Workflow> workflow, int64_t version);
  void remove(const std::string& workflow);
  // An operator paused or resumed the workflow's schedule; kept for versions to come too.
  void set_paused(const std::string& workflow, bool paused);
  // A run was started (or found) for a firing.
  void ran(const std::string& workflow, int64_t firing_ms, std::string run_id);
  // The schedule of a workflow, if it has one.
  std::optional<ScheduleView> find(const std::string& workflow) const;

  // By workflow name. Any thread.
  std::vector<ScheduleView> list() const;

 private:
  struct Entry {
    ScheduleView view;
    std::shared_ptr<const Workflow> workflow;
    std::unique_ptr<Timer> timer;
  };
  void arm(const std::string& workflow, Entry& entry, int64_t after_ms);

  Clock& clock_;
  Fire fire_;
  mutable std::mutex mutex_;  // guards entries_' views; timers are the loop's
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, bool, std::less<>> paused_;  // by workflow, whether it has a schedule now or not
};

}  // namespace weft::daemon
