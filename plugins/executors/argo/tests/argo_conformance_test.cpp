// The argo executor, built and loaded as the daemon loads it, against the
// executor conformance suites (every executor's, and whole runs'), with a
// fake argo-server in place of Argo: the fake runs each workflow's container
// command as a local process, so the suite's scripts and pid checks work as
// they do for a local executor.
#include <weft/sdk/testing/executor_conformance.hpp>
#include <weft/sdk/testing/whole_run_conformance.hpp>

#include "argo_test_support.hpp"

namespace {

using weft::sdk::testing::ExecutorUnderTest;

const auto* const kNoViolations = ::testing::AddGlobalTestEnvironment(new weft::argo::testing::NoViolations);

ExecutorUnderTest argo_executor() {
  return {
      .name = "argo",
      .vtable = [] { return weft::sdk::testing::load_executor_vtable(WEFT_PLUGIN_FILE, "argo"); },
      .fresh_config =
          [](const std::filesystem::path& scratch_dir) { return weft::argo::testing::config_in(scratch_dir).dump(); },
      .make_whole_run_command =
          [](const std::string& script) {
            auto command = weft::sdk::testing::shell_command(script);
            command.executor_options = {{"submit", "dag"}};
            return command;
          },
  };
}

}  // namespace

WEFT_EXECUTOR_CONFORMANCE(Argo, argo_executor());
WEFT_WHOLE_RUN_CONFORMANCE(Argo, argo_executor());
