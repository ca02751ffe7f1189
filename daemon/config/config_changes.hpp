// What a reload (SIGHUP, POST /api/v1/plugins/reload) does with each key that
// changed between the configuration weftd runs with and the file as it is now.
#pragma once

#include "config/config.hpp"

#include <set>
#include <string>
#include <vector>

namespace weft::daemon {

struct ConfigChanges {
  // Changed keys a reload applies: log.level, shutdown_grace_s, the limits
  // but max_body_bytes, plugin_dirs (new directories are scanned), and the
  // settings of executors not created yet (a plugin loaded by this reload
  // gets them).
  std::vector<std::string> applied;
  // Changed keys that only a restart applies, e.g. "listen", "storage",
  // "executors.slurm" for an executor already created.
  std::vector<std::string> restart_required;
};

// Keys as JSON pointers' parts joined by dots ("limits.max_running_tasks").
// `created_executors`: the executors running with their settings already.
ConfigChanges config_changes(const Config& running, const Config& reread,
                             const std::set<std::string>& created_executors);

}  // namespace weft::daemon
