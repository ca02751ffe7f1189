// The benchmark's workloads. Each starts its own fresh weftd (so peak RSS and
// CPU time belong to that workload alone), runs one workflow to its end, reads
// the run's timings from weftd's database, and where the issue asks for it
// runs the same programs through the bare posix_spawn loop for comparison.
#pragma once

#include "measurement.hpp"
#include "weftd_instance.hpp"

#include <functional>
#include <string>
#include <vector>

namespace weft::bench {

struct Workload {
  std::string name;
  std::string description;
  std::function<Metrics(const WeftdSettings&)> run;  // throws std::runtime_error when the run fails
};

const std::vector<Workload>& workloads();
const std::vector<Target>& targets();

}  // namespace weft::bench
