// The slurm executor, built and loaded as the daemon loads it, against the
// executor conformance suite, on the real single-node Slurm that the ctest
// fixture slurm_cluster starts (scripts/slurm-local.sh), through each of its
// transports: the command-line tools and slurmrestd.
#include <filesystem>
#include <weft/sdk/testing/executor_conformance.hpp>

#include "slurm_cluster.hpp"

namespace {

using weft::sdk::testing::ExecutorUnderTest;

// Fails every test, saying how to set Slurm up, when the fixture did not
// start it.
class SlurmIsUp : public ::testing::Environment {
 public:
  void SetUp() override { weft::slurm::testing::assert_slurm_is_up(); }
};
const auto* const slurm_is_up = ::testing::AddGlobalTestEnvironment(new SlurmIsUp);

ExecutorUnderTest slurm_executor(const std::string& transport) {
  return {
      .name = "slurm_" + transport,
      .vtable = [] { return weft::sdk::testing::load_executor_vtable(WEFT_PLUGIN_FILE, "slurm"); },
      // A short poll interval: the tests wait for every job's end.
      .fresh_config =
          [transport](const std::filesystem::path& /*scratch_dir*/) {
            auto config = weft::slurm::testing::transport_config(transport);
            config["poll_interval_s"] = 0.2;
            return config.dump();
          },
      // slurmd starts the jobs: they are this machine's processes here, as
      // on any single-node cluster, so the suite may check their pids.
      .local_processes = true,
  };
}

}  // namespace

WEFT_EXECUTOR_CONFORMANCE(Slurm, slurm_executor("cli"), slurm_executor("rest"));
