// The event_subscribers workload: what 500 clients following the live events
// (GET /api/v1/events) cost weftd, and how late they learn of a run's end.
// Loopback only, bounded in count and time.
#pragma once

#include "workloads.hpp"

namespace weft::bench {

Workload event_subscribers_workload();

}  // namespace weft::bench
