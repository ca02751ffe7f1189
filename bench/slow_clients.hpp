// The slow-clients workload: how fast weftd answers a well-behaved client
// while 200 slowloris connections and 200 log followers are connected (the
// API-under-attack issue). Loopback only, bounded in count and time.
#pragma once

#include "workloads.hpp"

namespace weft::bench {

Workload slow_clients_workload();

}  // namespace weft::bench
