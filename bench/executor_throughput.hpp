// What the executor benches (weft-bench-argo, weft-bench-cloudrun) share:
// start N tasks on an executor at once, against the fake of its engine, and
// time how long until all are STARTED and all FINISHED.
#pragma once

#include <cstddef>
#include <string>
#include <weft/sdk/executor.hpp>
#include <weft/sdk/testing/fake_host.hpp>

namespace weft::bench {

struct Throughput {
  int tasks = 0;
  double queued_s = 0;    // start() for all, on the loop thread
  double started_s = 0;   // until every task was STARTED
  double finished_s = 0;  // until every task was FINISHED (or LOST)
  size_t finished = 0;
  size_t lost = 0;
};

// Starts `tasks` tasks running `script` under /bin/sh, their logs in dir/logs.
Throughput run_tasks(sdk::Executor& executor, sdk::testing::FakeHost& host, int tasks, const std::string& dir,
                     const std::string& script);

// Prints the figures, with `engine` naming where the tasks were created.
void print(const Throughput& t, const std::string& engine, double poll_s);

}  // namespace weft::bench
