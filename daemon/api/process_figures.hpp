// The process_* metrics every Prometheus client library exports, read from
// /proc: the same names let dashboards made for other services show weftd.
#pragma once

#include <optional>

namespace weft::daemon {

struct ProcessFigures {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;  // since the epoch
};

// nullopt where /proc cannot be read.
std::optional<ProcessFigures> process_figures();

}  // namespace weft::daemon
