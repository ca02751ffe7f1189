// One weftd started fresh for a measurement (weft_harness): its own dir
// (state, config, log) under the session's scratch dir, a free loopback port,
// the default durable sqlite store (or a fresh schema on the session's
// PostgreSQL server), the process executor, auth on. Stopped
// (SIGTERM, then SIGKILL) with the object; its dir stays until the session
// removes the scratch dir.
#pragma once

#include "task_timings.hpp"
#include "weft/client/api_client.hpp"
#include "weft/harness/weftd_process.hpp"

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace weft::bench {

struct WeftdSettings {
  std::filesystem::path build_dir;    // holds bin/weftd and lib/weft/plugins
  std::filesystem::path scratch_dir;  // where the instance's dir is made
  int max_running_tasks = 1024;
  std::string synchronous = "full";  // the sqlite store's setting: "full" or "normal"
  // When set, the postgres store on this server (harness::PostgresServer::store_config),
  // each instance in a schema of its own; else the sqlite store.
  nlohmann::json postgres;
  // With postgres: this many weftd share the instance's schema, the one
  // measured and instances - 1 idle peers (renewing leases, claiming runs).
  int instances = 1;
};

// What the kernel says about weftd itself (not its children).
struct ProcessStats {
  double peak_rss_mib = 0;  // VmHWM
  double rss_mib = 0;       // VmRSS
  double cpu_s = 0;         // utime + stime
};

class WeftdInstance {
 public:
  // Starts weftd and waits until /readyz answers; throws std::runtime_error
  // with weftd's log when it does not come up.
  explicit WeftdInstance(const WeftdSettings& settings);

  pid_t pid() const { return weftd_.pid(); }
  uint16_t port() const { return weftd_.port(); }
  std::string token() const { return weftd_.token(); }
  const client::ApiClient& api() const { return api_; }
  const std::filesystem::path& state_dir() const { return weftd_.state_dir(); }
  // The timings of a finished run, from whichever store weftd has.
  RunTimings timings(const std::string& run_id) const;
  ProcessStats stats() const;
  std::string log() const { return weftd_.log(); }

  // Clients of this weftd and of its peers (WeftdSettings::instances).
  std::vector<client::ApiClient> every_api() const;
  // Whether any run is queued or running, through any instance's API.
  bool has_unfinished_runs() const;

  // POST /api/v1/runs with the document; returns the run id.
  std::string start_run(const nlohmann::json& workflow) const;
  // Polls the run list (cheap: no task rows) until the run is final; returns its status.
  std::string wait_run(const std::string& run_id, std::chrono::seconds timeout) const;

 private:
  nlohmann::json storage_;
  harness::WeftdProcess weftd_;
  client::ApiClient api_;
  std::vector<std::unique_ptr<harness::WeftdProcess>> peers_;
};

}  // namespace weft::bench
