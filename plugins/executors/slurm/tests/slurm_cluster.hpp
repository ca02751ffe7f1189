// The Slurm cluster the ctest fixture slurm_cluster starts for these tests
// (scripts/slurm-local.sh start <build>/slurm-cluster). WEFT_SLURM_CONF is its
// slurm.conf, set by CMakeLists.txt.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace weft::slurm::testing {

// Fails the test, saying how to set Slurm up, when the cluster is not there:
// a test that needs Slurm never skips.
inline void assert_slurm_is_up() {
  ASSERT_TRUE(std::filesystem::exists(WEFT_SLURM_CONF))
      << "no Slurm cluster at " << WEFT_SLURM_CONF
      << ": run these tests through ctest (its fixture slurm_cluster runs scripts/slurm-local.sh start), as root, "
         "after scripts/install-deps.sh installed munge, slurmctld, slurmd and slurm-client";
  const std::string ping = std::string("SLURM_CONF=") + WEFT_SLURM_CONF + " scontrol ping | grep -q UP";
  ASSERT_EQ(std::system(ping.c_str()), 0)
      << "slurmctld does not answer; see the logs under " << std::filesystem::path(WEFT_SLURM_CONF).parent_path()
      << "/log and restart it with scripts/slurm-local.sh start DIR";
}

}  // namespace weft::slurm::testing
