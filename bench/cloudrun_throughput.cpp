// weft-bench-cloudrun: how fast the cloudrun executor runs tasks and
// follows their status, against the fake of Cloud Run and Cloud Logging of
// the tests (not Google's: the fake answers in microseconds and runs each
// execution's container as a local process, so these figures bound the
// executor's own costs, not Cloud Run's). See README.md, "The cloudrun
// executor against its fake".
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "cloudrun_executor.hpp"
#include "cloudrun_fake.hpp"
#include "executor_throughput.hpp"

int main(int argc, char** argv) {
  const int tasks = argc > 1 ? std::atoi(argv[1]) : 1000;
  const double poll_s = argc > 2 ? std::atof(argv[2]) : 1.0;
  std::string dir = (std::filesystem::temp_directory_path() / "weft-bench-cloudrun-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return 1;
  {
    weft::fakes::CloudRunFake fake({.dir = dir, .kill_grace = std::chrono::milliseconds(500)});
    const nlohmann::json config = {{"project", fake.project()},
                                   {"region", "europe-west1"},
                                   {"run_endpoint", fake.url()},
                                   {"logging_endpoint", fake.url()},
                                   {"credentials_file", fake.auth().key_file().string()},
                                   {"ca_file", fake.ca_file().string()},
                                   {"default_image", "debian:12"},
                                   {"poll_interval_s", poll_s},
                                   {"scratch_dir", dir}};
    weft::sdk::testing::FakeHost host;
    weft::cloudrun::CloudRunExecutor executor(host.host(), config);
    const auto result = weft::bench::run_tasks(executor, host, tasks, dir, "echo 1 > \"$WEFT_OUTPUT\"");
    weft::bench::print(result, "Cloud Run", poll_s);
    std::printf("requests: jobs %d, run %d, list executions %d, get execution %d, entries:list %d, total %llu\n",
                fake.calls("POST jobs"), fake.calls("POST run"), fake.calls("GET executions"),
                fake.calls("GET execution"), fake.calls("POST entries:list"),
                static_cast<unsigned long long>(fake.server().requests()));
    std::printf("tokens: %d, schema violations: %zu\n", fake.auth().issued("jwt"), fake.violations().size());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
