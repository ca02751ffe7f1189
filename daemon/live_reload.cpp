#include "live_reload.hpp"

#include "api/representation.hpp"
#include "config/config_changes.hpp"

#include <spdlog/spdlog.h>

namespace weft::daemon {

SchedulerLimits scheduler_limits(const Config& config) {
  const LimitsConfig& l = config.limits;
  SchedulerLimits limits;
  limits.max_running_tasks = l.max_running_tasks;
  limits.max_for_each_items = l.max_for_each_items;
  limits.max_params_bytes = l.max_params_bytes;
  limits.max_output_bytes = l.max_output_bytes;
  limits.max_runs_per_workflow = l.max_runs_per_workflow;
  limits.documents = DocumentLimits{l.max_workflow_nodes, l.max_document_depth};
  limits.logs = TaskLogLimit{l.max_log_bytes, l.log_overflow == LogOverflow::fail_task};
  return limits;
}

TlsFiles tls_files(const ApiConfig& api) { return TlsFiles{api.tls_certificate, api.tls_private_key}; }

ApiLimits api_limits(const Config& config) {
  return ApiLimits{DocumentLimits{config.limits.max_workflow_nodes, config.limits.max_document_depth},
                   config.limits.max_requests_per_token_per_s};
}

LiveReload::LiveReload(std::filesystem::path config_file, const Config& started, PluginHost& plugins,
                       RunScheduler& scheduler, ApiServer& api)
    : config_file_(std::move(config_file)),
      plugins_(plugins),
      scheduler_(scheduler),
      api_(api),
      started_(started),
      running_(started) {}

std::chrono::seconds LiveReload::shutdown_grace() const {
  const std::lock_guard lock(mutex_);
  return running_.shutdown_grace;
}

std::set<std::string> LiveReload::created_executors() const {
  constexpr std::string_view kPrefix = "executor/";
  std::set<std::string> names;
  for (const PluginInfo& plugin : plugins_.plugins()) {
    if (!plugin.loaded) continue;
    for (const auto& provided : plugin.provides) {
      if (provided.rfind(kPrefix, 0) == 0) names.insert(provided.substr(kPrefix.size()));
    }
  }
  return names;
}

Result<nlohmann::json> LiveReload::reload() {
  try {
    return reload_now();
  } catch (const std::exception& e) {
    // A failing reload must not end a daemon that runs well as it is.
    spdlog::error("reload failed (a bug; please report it): {}", e.what());
    return fail(ErrorCode::internal, std::string("the reload failed: ") + e.what());
  }
}

Result<nlohmann::json> LiveReload::reload_now() {
  const std::lock_guard lock(mutex_);
  auto reread = load_config(config_file_);
  if (!reread) {
    spdlog::error("reload: {}; nothing changed", reread.failure().message);
    auto failure = reread.failure();
    failure.message = "nothing was reloaded: " + failure.message;
    return failure;
  }
  const Config& config = *reread;
  // What can fail is made first, so that a failure changes nothing.
  const bool oidc_changed = config.api.oidc != running_.api.oidc;
  std::shared_ptr<const OidcIdentity> oidc;
  try {
    if (oidc_changed) oidc = open_oidc_identity(config.api.oidc);
    if (started_.api.tls() && config.api.tls()) api_.reload_tls(tls_files(config.api));
  } catch (const std::exception& e) {
    spdlog::error("reload: {}; nothing changed", e.what());
    return fail(ErrorCode::invalid_request, std::string("nothing was reloaded: ") + e.what());
  }
  if (oidc_changed) {
    api_.set_oidc(std::move(oidc));
    api_.set_web_sign_in(config.api.oidc.web);
  }
  if (config.api.policy != running_.api.policy) api_.set_policy(config.api.policy);
  const auto created_before = created_executors();
  const auto restart_required = config_changes(started_, config, created_before).restart_required;
  const auto applied = config_changes(running_, config, created_before).applied;

  spdlog::set_level(config.log.level);
  scheduler_.set_limits(scheduler_limits(config));
  api_.set_limits(api_limits(config));
  const auto looked_at = plugins_.rescan(
      PluginHostSettings{config.plugin_dirs, config.executors, config.required_plugins, config.node_types});
  // An executor created now took its settings from this file: a later change
  // of them needs a restart, as for those created at start.
  for (const auto& name : created_executors()) {
    if (created_before.count(name) > 0) continue;
    if (config.executors.contains(name)) {
      started_.executors[name] = config.executors.at(name);
    } else {
      started_.executors.erase(name);
    }
  }
  running_ = config;

  auto plugins = nlohmann::json::array();
  for (const auto& plugin : looked_at) plugins.push_back(plugin_json(plugin));
  spdlog::info("reloaded {}: {} changed key(s) applied{}; {} new plugin file(s) looked at", config_file_.string(),
               applied.size(), applied.empty() ? "" : fmt::format(" ({})", fmt::join(applied, ", ")), looked_at.size());
  if (!restart_required.empty()) {
    spdlog::warn("reload: these changed keys take effect only when weftd restarts: {}",
                 fmt::join(restart_required, ", "));
  }
  return nlohmann::json{{"applied", applied}, {"restart_required", restart_required}, {"plugins", std::move(plugins)}};
}

}  // namespace weft::daemon
