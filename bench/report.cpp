#include "report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace weft::bench {

namespace {

using nlohmann::json;

// A metric's median over the repetitions that measured it, with every sample.
struct Summary {
  Metric median;
  std::vector<double> samples;
};

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::vector<Summary> summarize(const std::vector<Metrics>& repetitions) {
  std::vector<Summary> summaries;
  if (repetitions.empty()) return summaries;
  for (const Metric& metric : repetitions.front()) {
    Summary summary{metric, {}};
    for (const Metrics& repetition : repetitions) {
      const auto same =
          std::find_if(repetition.begin(), repetition.end(), [&](const Metric& m) { return m.key == metric.key; });
      if (same != repetition.end()) summary.samples.push_back(same->value);
    }
    summary.median.value = median_of(summary.samples);
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

const Target* target_for(const std::vector<Target>& targets, const std::string& workload, const std::string& key) {
  const auto it = std::find_if(targets.begin(), targets.end(),
                               [&](const Target& t) { return t.workload == workload && t.key == key; });
  return it == targets.end() ? nullptr : &*it;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, value >= 1000 ? "%.0f" : value >= 10 ? "%.1f" : "%.3f", value);
  return text;
}

std::string target_text(const Target& target, double value) {
  const std::string bound = target.bound == Bound::at_most ? "<= " : ">= ";
  return "target " + bound + number(target.limit) + (target.met_by(value) ? "  met" : "  NOT MET");
}

}  // namespace

Machine this_machine() {
  utsname name{};
  ::uname(&name);
  return {::sysconf(_SC_NPROCESSORS_ONLN), std::string(name.sysname) + " " + name.release + " " + name.machine};
}

std::string format_table(const std::vector<WorkloadResults>& results, const std::vector<Target>& targets,
                         const Machine& machine, int repeat) {
  std::ostringstream out;
  out << "weft-bench: " << machine.cpus << " CPUs, " << machine.kernel << "; figures are medians of " << repeat
      << (repeat == 1 ? " run" : " runs") << "\n";
  int met = 0;
  int missed = 0;
  for (const auto& workload : results) {
    out << "\n" << workload.name << ": " << workload.description << "\n";
    if (!workload.error.empty()) {
      out << "  FAILED: " << workload.error << "\n";
      continue;
    }
    for (const auto& summary : summarize(workload.repetitions)) {
      const Metric& m = summary.median;
      char line[160];
      std::snprintf(line, sizeof line, "  %-38s %10s %-9s", m.label.c_str(), number(m.value).c_str(), m.unit.c_str());
      out << line;
      if (const Target* target = target_for(targets, workload.name, m.key)) {
        out << target_text(*target, m.value);
        ++(target->met_by(m.value) ? met : missed);
      }
      out << "\n";
    }
  }
  out << "\ntargets: " << met << " met, " << missed << " not met\n";
  return out.str();
}

json format_json(const std::vector<WorkloadResults>& results, const std::vector<Target>& targets,
                 const Machine& machine, int repeat) {
  json report = {{"machine", {{"cpus", machine.cpus}, {"kernel", machine.kernel}}},
                 {"repeat", repeat},
                 {"workloads", json::object()}};
  bool all_met = true;
  for (const auto& workload : results) {
    json entry = {{"description", workload.description}, {"metrics", json::object()}};
    if (!workload.error.empty()) {
      entry["error"] = workload.error;
      all_met = false;
    }
    for (const auto& summary : summarize(workload.repetitions)) {
      const Metric& m = summary.median;
      json metric = {{"median", m.value}, {"unit", m.unit}, {"label", m.label}, {"samples", summary.samples}};
      if (const Target* target = target_for(targets, workload.name, m.key)) {
        metric["target"] = {{target->bound == Bound::at_most ? "at_most" : "at_least", target->limit},
                            {"met", target->met_by(m.value)}};
        all_met = all_met && target->met_by(m.value);
      }
      entry["metrics"][m.key] = std::move(metric);
    }
    report["workloads"][workload.name] = std::move(entry);
  }
  report["all_targets_met"] = all_met;
  return report;
}

}  // namespace weft::bench
