// The cloudrun executor, built and loaded as the daemon loads it, against
// the executor conformance suite, with a fake of Cloud Run and Cloud
// Logging in place of Google's: the fake runs each execution's container
// command as a local process, so the suite's scripts and pid checks work as
// they do for a local executor. Tokens come from the metadata server here;
// cloudrun_executor_test runs tasks with a service-account key's.
#include <weft/sdk/testing/executor_conformance.hpp>

#include "cloudrun_test_support.hpp"

namespace {

using weft::cloudrun::testing::Auth;
using weft::sdk::testing::ExecutorUnderTest;

const auto* const kNoViolations = ::testing::AddGlobalTestEnvironment(new weft::cloudrun::testing::NoViolations);

ExecutorUnderTest cloudrun_executor(const std::string& name, Auth auth) {
  return {
      .name = name,
      .vtable = [] { return weft::sdk::testing::load_executor_vtable(WEFT_PLUGIN_FILE, "cloudrun"); },
      .fresh_config =
          [auth](const std::filesystem::path& scratch_dir) {
            return weft::cloudrun::testing::config_in(scratch_dir, auth).dump();
          },
  };
}

}  // namespace

WEFT_EXECUTOR_CONFORMANCE(CloudRun, cloudrun_executor("cloudrun", Auth::metadata_server));
