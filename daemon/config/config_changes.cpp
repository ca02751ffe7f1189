#include "config/config_changes.hpp"

namespace weft::daemon {

namespace {

class Comparison {
 public:
  template <class T>
  void live(const char* key, const T& running, const T& reread) {
    if (!(running == reread)) changes.applied.emplace_back(key);
  }
  template <class T>
  void needs_restart(const char* key, const T& running, const T& reread) {
    if (!(running == reread)) changes.restart_required.emplace_back(key);
  }

  ConfigChanges changes;
};

void compare_limits(Comparison& c, const LimitsConfig& a, const LimitsConfig& b) {
  c.live("limits.max_running_tasks", a.max_running_tasks, b.max_running_tasks);
  // The connection loop checks a declared length before any request thread sees it.
  c.needs_restart("limits.max_body_bytes", a.max_body_bytes, b.max_body_bytes);
  c.live("limits.max_for_each_items", a.max_for_each_items, b.max_for_each_items);
  c.live("limits.max_params_bytes", a.max_params_bytes, b.max_params_bytes);
  c.live("limits.max_output_bytes", a.max_output_bytes, b.max_output_bytes);
  c.live("limits.max_runs_per_workflow", a.max_runs_per_workflow, b.max_runs_per_workflow);
  c.live("limits.max_workflow_nodes", a.max_workflow_nodes, b.max_workflow_nodes);
  c.live("limits.max_document_depth", a.max_document_depth, b.max_document_depth);
  c.live("limits.max_log_bytes", a.max_log_bytes, b.max_log_bytes);
  c.live("limits.log_overflow", a.log_overflow, b.log_overflow);
  c.live("limits.max_requests_per_token_per_s", a.max_requests_per_token_per_s, b.max_requests_per_token_per_s);
}

void compare_api(Comparison& c, const ApiConfig& a, const ApiConfig& b) {
  c.needs_restart("api.threads", a.threads, b.threads);
  c.needs_restart("api.read_timeout_s", a.read_timeout_s, b.read_timeout_s);
  c.needs_restart("api.answer_timeout_s", a.answer_timeout_s, b.answer_timeout_s);
  c.needs_restart("api.max_connections", a.max_connections, b.max_connections);
  c.needs_restart("api.max_connections_per_client", a.max_connections_per_client, b.max_connections_per_client);
  c.needs_restart("api.event_history", a.event_history, b.event_history);
  // The files are read again at every reload; only turning TLS on or off
  // changes what the listener is.
  c.needs_restart("api.tls", a.tls(), b.tls());
  if (a.tls() && b.tls()) {
    c.live("api.tls.certificate", a.tls_certificate, b.tls_certificate);
    c.live("api.tls.private_key", a.tls_private_key, b.tls_private_key);
    // Peers are reached with what the API was started with.
    c.needs_restart("api.tls.peer_ca", a.tls_peer_ca, b.tls_peer_ca);
  }
  c.live("api.oidc", a.oidc, b.oidc);
  c.live("api.policy", a.policy, b.policy);
}

// An executor gets its settings once, when its plugin creates it: the ABI has
// no call to hand it new ones.
void compare_executors(Comparison& c, const nlohmann::json& a, const nlohmann::json& b,
                       const std::set<std::string>& created) {
  std::set<std::string> names;
  for (const auto& [name, settings] : a.items()) names.insert(name);
  for (const auto& [name, settings] : b.items()) names.insert(name);
  for (const auto& name : names) {
    const auto settings_of = [&name](const nlohmann::json& executors) {
      return executors.contains(name) ? executors.at(name) : nlohmann::json();
    };
    if (settings_of(a) == settings_of(b)) continue;
    auto& list = created.count(name) > 0 ? c.changes.restart_required : c.changes.applied;
    list.push_back("executors." + name);
  }
}

}  // namespace

ConfigChanges config_changes(const Config& running, const Config& reread,
                             const std::set<std::string>& created_executors) {
  Comparison c;
  c.needs_restart("listen", running.listen, reread.listen);
  c.needs_restart("state_dir", running.state_dir, reread.state_dir);
  c.live("plugin_dirs", running.plugin_dirs, reread.plugin_dirs);
  c.needs_restart("required_plugins", running.required_plugins, reread.required_plugins);
  c.needs_restart("storage", running.storage.plugin, reread.storage.plugin);
  if (running.storage.plugin == reread.storage.plugin) {
    c.needs_restart("storage", running.storage.settings, reread.storage.settings);
  }
  compare_executors(c, running.executors, reread.executors, created_executors);
  // Node types are created when their plugin loads, and keep what they got.
  c.needs_restart("node_types", running.node_types, reread.node_types);
  compare_limits(c, running.limits, reread.limits);
  c.needs_restart("auth.enabled", running.auth.enabled, reread.auth.enabled);
  c.needs_restart("audit.retention_days", running.audit.retention_days, reread.audit.retention_days);
  c.needs_restart("queues.done_retention_days", running.queues.done_retention_days, reread.queues.done_retention_days);
  c.needs_restart("instance.id", running.instance.id, reread.instance.id);
  c.needs_restart("instance.address", running.instance.address, reread.instance.address);
  c.needs_restart("instance.lease_s", running.instance.lease_s, reread.instance.lease_s);
  c.live("log.level", running.log.level, reread.log.level);
  compare_api(c, running.api, reread.api);
  c.live("shutdown_grace_s", running.shutdown_grace, reread.shutdown_grace);
  return c.changes;
}

}  // namespace weft::daemon
