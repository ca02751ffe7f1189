// weft-bench-argo: how fast the argo executor submits tasks and follows
// their status, against the fake argo-server of the tests (not a real Argo:
// the fake answers in microseconds and runs each container as a local
// process, so these figures bound the executor's own costs, not a cluster's).
// See README.md, "The argo executor against its fake".
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "argo_executor.hpp"
#include "argo_fake.hpp"
#include "executor_throughput.hpp"

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
    const auto result = weft::bench::run_tasks(executor, host, tasks, dir, "echo 1 > \"$WEFT_OUTPUT\"");
    weft::bench::print(result, "Argo", poll_s);
    std::printf("requests: create %d, list %d, get %d, log %d, total %llu\n", fake.calls("POST create"),
                fake.calls("GET list"), fake.calls("GET workflow"), fake.calls("GET log"),
                static_cast<unsigned long long>(fake.server().requests()));
    std::printf("schema violations: %zu\n", fake.violations().size());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
