// What a workload measures, and the targets the issue sets for it.
#pragma once

#include <string>
#include <vector>

namespace weft::bench {

struct Metric {
  std::string key;    // stable name, used in the JSON report and by targets
  std::string label;  // for the table
  std::string unit;
  double value = 0;
};

// One repetition of one workload.
using Metrics = std::vector<Metric>;

enum class Bound { at_most, at_least };

struct Target {
  std::string workload;
  std::string key;
  Bound bound;
  double limit;

  bool met_by(double value) const { return bound == Bound::at_most ? value <= limit : value >= limit; }
};

}  // namespace weft::bench
