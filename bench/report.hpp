// The results of a benchmark run: medians over repetitions, checked against
// the targets, as a table for people or a JSON document for scripts.
#pragma once

#include "measurement.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace weft::bench {

struct WorkloadResults {
  std::string name;
  std::string description;
  std::vector<Metrics> repetitions;
  std::string error;  // set when a repetition failed; the workload then has no figures
};

struct Machine {
  long cpus = 0;
  std::string kernel;
};

Machine this_machine();

std::string format_table(const std::vector<WorkloadResults>& results, const std::vector<Target>& targets,
                         const Machine& machine, int repeat);
nlohmann::json format_json(const std::vector<WorkloadResults>& results, const std::vector<Target>& targets,
                           const Machine& machine, int repeat);

}  // namespace weft::bench
