#include "scheduler/schedules.hpp"

#include <algorithm>
#include <array>
#include <ctime>

namespace weft::daemon {

namespace {
constexpr std::string_view key_prefix = "schedule:";
}  // namespace

std::string schedule_run_key(std::string_view workflow, int64_t firing_ms) {
  const auto seconds = static_cast<std::time_t>(firing_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const auto length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(key_prefix) + std::string(workflow) + "@" + std::string(text.data(), length);
}

bool is_schedule_run_key(std::string_view key) { return key.starts_with(key_prefix); }

Schedules::Schedules(Clock& clock, Fire fire) : clock_(clock), fire_(std::move(fire)) {}

void Schedules::set(std::shared_ptr<const Workflow> workflow, int64_t version) {
  if (!workflow->schedule) return remove(workflow->name);
  std::lock_guard lock(mutex_);
  auto& entry = entries_[workflow->name];
  entry.view.workflow = workflow->name;
  entry.view.version = version;
  entry.view.cron = workflow->schedule->cron;
  const auto paused = paused_.find(workflow->name);
  entry.view.paused = paused != paused_.end() && paused->second;
  entry.view.enabled = workflow->schedule->enabled && !entry.view.paused;
  entry.workflow = std::move(workflow);
  arm(entry.view.workflow, entry, clock_.now_ms());
}

void Schedules::remove(const std::string& workflow) {
  std::lock_guard lock(mutex_);
  entries_.erase(workflow);
}

void Schedules::set_paused(const std::string& workflow, bool paused) {
  std::lock_guard lock(mutex_);
  paused_[workflow] = paused;
  const auto entry = entries_.find(workflow);
  if (entry == entries_.end()) return;
  entry->second.view.paused = paused;
  entry->second.view.enabled = entry->second.workflow->schedule->enabled && !paused;
  arm(workflow, entry->second, clock_.now_ms());
}

void Schedules::ran(const std::string& workflow, int64_t firing_ms, std::string run_id) {
  std::lock_guard lock(mutex_);
  const auto entry = entries_.find(workflow);
  if (entry == entries_.end()) return;
  auto& view = entry->second.view;
  if (view.last_firing && *view.last_firing > firing_ms) return;
  view.last_firing = firing_ms;
  view.last_run_id = std::move(run_id);
}

std::optional<ScheduleView> Schedules::find(const std::string& workflow) const {
  std::lock_guard lock(mutex_);
  const auto entry = entries_.find(workflow);
  if (entry == entries_.end()) return std::nullopt;
  return entry->second.view;
}

std::vector<ScheduleView> Schedules::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ScheduleView> views;
  views.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) views.push_back(entry.view);
  return views;
}

// The next firing after after_ms. A timer that fires late (a suspended host)
// arms the one after now, not every one it slept through: a late firing is
// the one catch-up.
void Schedules::arm(const std::string& workflow, Entry& entry, int64_t after_ms) {
  entry.timer.reset();
  entry.view.next_firing.reset();
  if (!entry.view.enabled) return;
  const auto next = entry.workflow->schedule->when.next_after(after_ms);
  if (!next) return;
  entry.view.next_firing = *next;
  const auto delay = std::chrono::milliseconds(std::max<int64_t>(0, *next - clock_.now_ms()));
  entry.timer = clock_.after(delay, [this, workflow, firing = *next] {
    std::shared_ptr<const Workflow> document;
    int64_t version = 0;
    {
      std::lock_guard lock(mutex_);
      const auto found = entries_.find(workflow);
      if (found == entries_.end()) return;
      document = found->second.workflow;
      version = found->second.view.version;
      arm(workflow, found->second, std::max(firing, clock_.now_ms()));
    }
    fire_(document, version, firing);
  });
}

}  // namespace weft::daemon
