// The Slurm cluster the ctest fixture slurm_cluster starts for these tests
// (scripts/slurm-local.sh start <build>/slurm-cluster). WEFT_SLURM_CONF is its
// slurm.conf, set by CMakeLists.txt; its slurmrestd's URL and a JWT for root
// are in rest/url and rest/token beside it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace weft::slurm::testing {

inline std::filesystem::path cluster_file(const std::string& name) {
  return std::filesystem::path(WEFT_SLURM_CONF).parent_path() / name;
}

// Fails the test, saying how to set Slurm up, when the cluster is not there:
// a test that needs Slurm never skips.
inline void assert_slurm_is_up() {
  ASSERT_TRUE(std::filesystem::exists(WEFT_SLURM_CONF))
      << "no Slurm cluster at " << WEFT_SLURM_CONF
      << ": run these tests through ctest (its fixture slurm_cluster runs scripts/slurm-local.sh start), as root, "
         "after scripts/install-deps.sh installed munge, slurmctld, slurmd, slurm-client and slurmrestd";
  const std::string ping = std::string("SLURM_CONF=") + WEFT_SLURM_CONF + " scontrol ping | grep -q UP";
  ASSERT_EQ(std::system(ping.c_str()), 0)
      << "slurmctld does not answer; see the logs under " << std::filesystem::path(WEFT_SLURM_CONF).parent_path()
      << "/log and restart it with scripts/slurm-local.sh start DIR";
  ASSERT_TRUE(std::filesystem::exists(cluster_file("rest/token")))
      << "slurmrestd was not started (no " << cluster_file("rest/token")
      << "): scripts/slurm-local.sh start DIR starts it, after scripts/install-deps.sh installed slurmrestd and "
         "slurm-wlm-jwt-plugin";
}

// The executor's config keys that choose how it reaches the cluster:
// transport "cli" or "rest". The rest transport's jobs run as root, as the
// cli transport's do when the tests run as root.
inline nlohmann::json transport_config(const std::string& transport) {
  if (transport == "cli") return {{"slurm_conf", WEFT_SLURM_CONF}};
  std::ifstream url_file(cluster_file("rest/url"));
  std::string url;
  url_file >> url;
  return {{"transport", "rest"},
          {"rest", {{"url", url}, {"user", "root"}, {"token_file", cluster_file("rest/token").string()}}}};
}

// The transports every Slurm test runs with.
inline const std::vector<std::string> kTransports = {"cli", "rest"};

}  // namespace weft::slurm::testing
