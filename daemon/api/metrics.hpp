// GET /metrics: weftd's figures in Prometheus' text exposition format
// (version 0.0.4). What the scheduler holds is read from it per scrape
// (SchedulerFigures); what happens between scrapes (stored transitions,
// commits, refused submissions) is counted here as it happens.
#pragma once

#include "api/transitions.hpp"
#include "plugin_host/plugin_info.hpp"
#include "scheduler/observer.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::daemon {

// Cumulative buckets, in seconds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double seconds);
  // Appends the _bucket, _sum and _count samples of name.
  void write(std::string& out, const std::string& name) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, the last one +Inf; not cumulative
  double sum_ = 0;
  uint64_t count_ = 0;
};

// What one scrape shows besides the counters.
struct MetricsSnapshot {
  std::optional<SchedulerFigures> scheduler;  // nullopt: the scheduler did not answer in time
  std::vector<PluginInfo> plugins;
  size_t event_subscribers = 0;
};

// Thread-safe.
class Metrics {
 public:
  Metrics();
  void store_committed(std::chrono::nanoseconds commit_time);
  void submit_failed(const std::string& executor);
  void count(const Transitions& transitions);
  std::string render(const MetricsSnapshot& snapshot) const;

 private:
  mutable std::mutex mutex_;
  Histogram dispatch_latency_;
  Histogram task_duration_;
  Histogram store_commit_;
  std::map<std::pair<std::string, std::string>, uint64_t> runs_finished_;   // workflow, status
  std::map<std::pair<std::string, std::string>, uint64_t> tasks_finished_;  // executor, status
  std::map<std::string, uint64_t> submit_errors_;                           // executor
};

}  // namespace weft::daemon
