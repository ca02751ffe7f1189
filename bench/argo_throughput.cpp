// weft-bench-argo: how fast the argo executor submits tasks and follows
// their status, against the fake argo-server of the tests (not a real Argo:
// the fake answers in microseconds and runs each container as a local
// process, so these figures bound the executor's own costs, not a cluster's).
// See README.md, "The argo executor against its fake".
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <weft/sdk/testing/fake_host.hpp>

#include "argo_executor.hpp"
#include "argo_fake.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

size_t count_of(const weft::sdk::testing::FakeHost& host, weft_task_event_kind kind) {
  size_t n = 0;
  for (const auto& e : host.events()) n += e.kind == kind ? 1 : 0;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const int tasks = argc > 1 ? std::atoi(argv[1]) : 1000;
  const double poll_s = argc > 2 ? std::atof(argv[2]) : 1.0;
  std::string dir = (std::filesystem::temp_directory_path() / "weft-bench-argo-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return 1;
  {
    weft::fakes::ArgoFake fake({.dir = dir, .token = "bench-token", .kill_grace = std::chrono::milliseconds(500)});
    std::ofstream(dir + "/token") << "bench-token\n";
    const nlohmann::json config = {{"server", fake.url()},
                                   {"namespace", "bench"},
                                   {"token_file", dir + "/token"},
                                   {"ca_file", fake.ca_file().string()},
                                   {"default_image", "debian:12"},
                                   {"poll_interval_s", poll_s},
                                   {"scratch_dir", dir}};
    weft::sdk::testing::FakeHost host;
    weft::argo::ArgoExecutor executor(host.host(), config);
    const auto start = Clock::now();
    for (int i = 0; i < tasks; ++i) {
      weft::sdk::TaskSpec t;
      t.task_key = "bench/" + std::to_string(i);
      t.run_id = "bench";
      t.node = "n" + std::to_string(i);
      t.stdout_path = dir + "/logs/" + std::to_string(i) + ".out";
      t.stderr_path = dir + "/logs/" + std::to_string(i) + ".err";
      t.output_path = dir + "/logs/" + std::to_string(i) + ".json";
      t.command = weft::sdk::Command{{"/bin/sh", "-c", "echo 1 > \"$WEFT_OUTPUT\""}, {}, "", "", {}};
      executor.start(t);
    }
    const double queued_s = seconds_since(start);
    const auto timeout = std::chrono::minutes(10);
    host.run_until([&] { return count_of(host, WEFT_EVENT_STARTED) == static_cast<size_t>(tasks); }, timeout);
    const double submitted_s = seconds_since(start);
    host.run_until([&] { return count_of(host, WEFT_EVENT_FINISHED) == static_cast<size_t>(tasks); }, timeout);
    const double finished_s = seconds_since(start);
    std::printf("tasks %d, poll interval %.2f s\n", tasks, poll_s);
    std::printf("start() for all (on the loop thread): %.3f s\n", queued_s);
    std::printf("all created in Argo (STARTED):        %.3f s  (%.0f creates/s)\n", submitted_s, tasks / submitted_s);
    std::printf("all ended (FINISHED, logs read):      %.3f s\n", finished_s);
    std::printf("finished: %zu, lost: %zu\n", count_of(host, WEFT_EVENT_FINISHED), count_of(host, WEFT_EVENT_LOST));
    std::printf("requests: create %d, list %d, get %d, log %d, total %llu\n", fake.calls("POST create"),
                fake.calls("GET list"), fake.calls("GET workflow"), fake.calls("GET log"),
                static_cast<unsigned long long>(fake.server().requests()));
    std::printf("schema violations: %zu\n", fake.violations().size());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
