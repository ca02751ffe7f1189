// The process executor, built and loaded as the daemon loads it, against the
// executor conformance suite.
#include <weft/sdk/testing/executor_conformance.hpp>

namespace {

using weft::sdk::testing::ExecutorUnderTest;
using weft::sdk::testing::Recovery;

ExecutorUnderTest process_executor() {
  return {
      .name = "process",
      .vtable = [] { return weft::sdk::testing::load_executor_vtable(WEFT_PLUGIN_FILE, "process"); },
      .fresh_config = [](const std::filesystem::path& /*scratch_dir*/) { return std::string("{}"); },
      // After a restart of weftd a task's process is no longer weftd's child,
      // so how it ends is out of reach: recover stops it (its whole process
      // group) and reports LOST, which weftd retries (README.md, "After a
      // restart of weftd"). Short of the ABI's "take the task back". It finds
      // a task whose external id weftd never stored by WEFT_TASK_KEY.
      .recovery = Recovery::stops_and_reports_lost,
  };
}

}  // namespace

WEFT_EXECUTOR_CONFORMANCE(Process, process_executor());
