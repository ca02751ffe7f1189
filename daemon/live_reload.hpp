// Reload without restart (SIGHUP, POST /api/v1/plugins/reload): rereads the
// configuration file, applies the keys that can change while weftd runs,
// loads the plugins added to the plugin directories, and names the changed
// keys that need a restart. docs/operations.md#reload.
#pragma once

#include "api/api_server.hpp"
#include "config/config.hpp"
#include "plugin_host/plugin_host.hpp"
#include "scheduler/run_scheduler.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

namespace weft::daemon {

SchedulerLimits scheduler_limits(const Config& config);
ApiLimits api_limits(const Config& config);
TlsFiles tls_files(const ApiConfig& api);

class LiveReload {
 public:
  // Every reference outlives this object.
  LiveReload(std::filesystem::path config_file, const Config& started, PluginHost& plugins, RunScheduler& scheduler,
             ApiServer& api);

  // weftd calls it on its event loop. An invalid file changes nothing and
  // gives its problems; otherwise {"applied": [keys], "restart_required":
  // [keys], "plugins": [each file looked at, as GET /plugins shows it]}.
  Result<nlohmann::json> reload();

  // shutdown_grace_s as last read.
  std::chrono::seconds shutdown_grace() const;

 private:
  Result<nlohmann::json> reload_now();
  std::set<std::string> created_executors() const;

  const std::filesystem::path config_file_;
  PluginHost& plugins_;
  RunScheduler& scheduler_;
  ApiServer& api_;
  mutable std::mutex mutex_;
  Config started_;  // what the keys that need a restart are compared with
  Config running_;  // what the live keys are compared with: the last file applied
};

}  // namespace weft::daemon
