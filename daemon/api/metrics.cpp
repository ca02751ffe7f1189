#include "api/metrics.hpp"

#include "api/process_figures.hpp"

#include <weft/sdk/status.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace weft::daemon {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A float as the exposition format writes it: integers without a fraction.
std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  std::array<char, 32> text{};
  const auto end = std::to_chars(text.data(), text.data() + text.size(), value).ptr;  // the shortest exact form
  return std::string(text.data(), end);
}

std::string escaped(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void sample(std::string& out, const std::string& name, const Labels& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      out += (i == 0 ? "" : ",") + labels[i].first + "=\"" + escaped(labels[i].second) + '"';
    }
    out += '}';
  }
  out += ' ' + number(value) + '\n';
}

void family(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

template <class Map>
void by_two_labels(std::string& out, const std::string& name, const char* first, const char* second, const Map& map) {
  for (const auto& [key, value] : map) {
    sample(out, name, {{first, key.first}, {second, key.second}}, static_cast<double>(value));
  }
}

double seconds_between(int64_t from_ms, int64_t to_ms) { return static_cast<double>(to_ms - from_ms) / 1000.0; }

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double seconds) {
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin();
  ++counts_[static_cast<size_t>(bucket)];
  sum_ += seconds;
  ++count_;
}

void Histogram::write(std::string& out, const std::string& name) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i];
    const double bound = i < bounds_.size() ? bounds_[i] : INFINITY;
    sample(out, name + "_bucket", {{"le", number(bound)}}, static_cast<double>(cumulative));
  }
  sample(out, name + "_sum", {}, sum_);
  sample(out, name + "_count", {}, static_cast<double>(count_));
}

Metrics::Metrics()
    : dispatch_latency_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}),
      task_duration_({0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400}),
      store_commit_({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}) {}

void Metrics::store_committed(std::chrono::nanoseconds commit_time) {
  std::lock_guard lock(mutex_);
  store_commit_.observe(std::chrono::duration<double>(commit_time).count());
}

void Metrics::submit_failed(const std::string& executor) {
  std::lock_guard lock(mutex_);
  ++submit_errors_[executor];
}

// Dispatch latency is from ready to running; a task's duration from its
// (last attempt's) start to its end. Both are from the records' own times.
void Metrics::count(const Transitions& transitions) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < transitions.tasks.size(); ++i) {
    const auto* task = transitions.tasks[i];
    const bool started = task->status == sdk::TaskStatus::running ||
                         (sdk::is_final(task->status) && !transitions.ran_before[i] && task->attempt > 0);
    if (started && task->ready_at > 0 && task->started_at >= task->ready_at) {
      dispatch_latency_.observe(seconds_between(task->ready_at, task->started_at));
    }
    if (!sdk::is_final(task->status)) continue;
    ++tasks_finished_[{task->executor, std::string(sdk::to_string(task->status))}];
    if (task->started_at > 0 && task->finished_at >= task->started_at) {
      task_duration_.observe(seconds_between(task->started_at, task->finished_at));
    }
  }
  for (const auto* run : transitions.runs) {
    if (sdk::is_final(run->status)) ++runs_finished_[{run->workflow, std::string(sdk::to_string(run->status))}];
  }
}

std::string Metrics::render(const MetricsSnapshot& snapshot) const {
  std::string out;
  out.reserve(8192);
  if (const auto& figures = snapshot.scheduler) {
    family(out, "weft_runs", "gauge", "Unfinished runs the scheduler holds, by workflow and status.");
    by_two_labels(out, "weft_runs", "workflow", "status", figures->runs);
    family(out, "weft_tasks", "gauge", "Tasks of the unfinished runs, by workflow and status.");
    by_two_labels(out, "weft_tasks", "workflow", "status", figures->tasks);
    family(out, "weft_journal_backlog", "gauge", "State changes made in memory and not yet in a store transaction.");
    sample(out, "weft_journal_backlog", {}, static_cast<double>(figures->journal_backlog));
    family(out, "weft_running_tasks", "gauge", "Tasks holding a slot of limits.max_running_tasks.");
    sample(out, "weft_running_tasks", {}, static_cast<double>(figures->running_tasks));
  }
  family(out, "weft_scheduler_up", "gauge", "1 if the scheduler answered this scrape in time, else 0.");
  sample(out, "weft_scheduler_up", {}, snapshot.scheduler ? 1 : 0);
  {
    std::lock_guard lock(mutex_);
    family(out, "weft_runs_finished_total", "counter", "Runs that reached a final status, by workflow and status.");
    by_two_labels(out, "weft_runs_finished_total", "workflow", "status", runs_finished_);
    family(out, "weft_tasks_finished_total", "counter", "Tasks that reached a final status, by executor and status.");
    by_two_labels(out, "weft_tasks_finished_total", "executor", "status", tasks_finished_);
    family(out, "weft_executor_submit_errors_total", "counter", "Tasks an executor refused to start.");
    for (const auto& [executor, count] : submit_errors_) {
      sample(out, "weft_executor_submit_errors_total", {{"executor", executor}}, static_cast<double>(count));
    }
    family(out, "weft_task_dispatch_latency_seconds", "histogram", "From a task being ready to it running.");
    dispatch_latency_.write(out, "weft_task_dispatch_latency_seconds");
    family(out, "weft_task_duration_seconds", "histogram", "From a task's (last attempt's) start to its end.");
    task_duration_.write(out, "weft_task_duration_seconds");
    family(out, "weft_store_commit_seconds", "histogram", "How long a transaction of state changes took to commit.");
    store_commit_.write(out, "weft_store_commit_seconds");
  }
  family(out, "weft_plugin_loaded", "gauge", "1 for each plugin loaded, 0 for each one refused.");
  for (const auto& plugin : snapshot.plugins) {
    sample(out, "weft_plugin_loaded", {{"plugin", plugin.name}, {"kind", plugin.kind}, {"version", plugin.version}},
           plugin.loaded ? 1 : 0);
  }
  family(out, "weft_event_subscribers", "gauge", "Clients following live events.");
  sample(out, "weft_event_subscribers", {}, static_cast<double>(snapshot.event_subscribers));
  if (const auto process = process_figures()) {
    family(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.");
    sample(out, "process_cpu_seconds_total", {}, process->cpu_seconds);
    family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    sample(out, "process_resident_memory_bytes", {}, process->resident_bytes);
    family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    sample(out, "process_virtual_memory_bytes", {}, process->virtual_bytes);
    family(out, "process_open_fds", "gauge", "Open file descriptors.");
    sample(out, "process_open_fds", {}, process->open_fds);
    family(out, "process_max_fds", "gauge", "The limit of open file descriptors.");
    sample(out, "process_max_fds", {}, process->max_fds);
    family(out, "process_start_time_seconds", "gauge", "When the process started, in seconds since the epoch.");
    sample(out, "process_start_time_seconds", {}, process->start_time_seconds);
  }
  return out;
}

}  // namespace weft::daemon
