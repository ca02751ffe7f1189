#include "config/config.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include <unistd.h>

#include "config/config_identity.hpp"
#include "config/config_reader.hpp"
#include "core/json_text.hpp"

namespace weft::daemon {
namespace {

constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 5> kLogLevels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
}};

bool is_host_and_port(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::string port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoi(port) <= 65535;
}

void read_listen(ConfigReader& reader, Config& config) {
  reader.read("listen", config.listen);
  if (!is_host_and_port(config.listen)) {
    reader.report("listen", "must be HOST:PORT, e.g. 127.0.0.1:8080, not '" + config.listen + "'");
  }
}

void read_paths(ConfigReader& reader, Config& config) {
  std::string state_dir = config.state_dir.string();
  reader.read("state_dir", state_dir);
  config.state_dir = state_dir;

  std::vector<std::string> plugin_dirs{default_plugin_dir().string()};
  reader.read("plugin_dirs", plugin_dirs);
  config.plugin_dirs.assign(plugin_dirs.begin(), plugin_dirs.end());
}

// Everything but "plugin" belongs to the storage plugin, which validates it.
void read_storage(ConfigReader& reader, Config& config) {
  ConfigReader storage = reader.object("storage");
  storage.read("plugin", config.storage.plugin);
  if (const nlohmann::json* section = reader.take("storage"); section && section->is_object()) {
    config.storage.settings = *section;
    config.storage.settings.erase("plugin");
  }
  if (config.storage.plugin == "sqlite" && !config.storage.settings.contains("path")) {
    config.storage.settings["path"] = (config.state_dir / "weft.db").string();
  }
}

// A section of settings handed to plugin objects by name ("executors",
// "node_types"): each value is that object's config, checked by its plugin.
nlohmann::json read_plugin_settings(ConfigReader& reader, const std::string& key, const std::string& what) {
  ConfigReader names = reader.object(key);
  const nlohmann::json* section = reader.take(key);
  if (!section || !section->is_object()) return nlohmann::json::object();
  for (const auto& [name, settings] : section->items()) {
    names.take(name);
    if (!settings.is_object()) names.report(name, "must be an object: the config of " + what + " '" + name + "'");
  }
  return *section;
}

void read_limits(ConfigReader& reader, Config& config) {
  ConfigReader limits = reader.object("limits");
  limits.read("max_running_tasks", config.limits.max_running_tasks, 1);
  limits.read("max_body_bytes", config.limits.max_body_bytes, std::size_t{1024});
  limits.read("max_for_each_items", config.limits.max_for_each_items, 1);
  limits.read("max_params_bytes", config.limits.max_params_bytes, std::size_t{2});
  limits.read("max_output_bytes", config.limits.max_output_bytes, std::size_t{2});
  limits.read("max_runs_per_workflow", config.limits.max_runs_per_workflow, 0);
  limits.read("max_workflow_nodes", config.limits.max_workflow_nodes, std::size_t{1});
  limits.read("max_document_depth", config.limits.max_document_depth, 2);
  if (config.limits.max_document_depth > max_json_depth) {
    limits.report("max_document_depth",
                  "must be at most " + std::to_string(max_json_depth) + ", the deepest JSON weftd reads from outside");
  }
  limits.read("max_log_bytes", config.limits.max_log_bytes, std::size_t{0});
  std::string overflow;
  limits.read("log_overflow", overflow);
  if (overflow == "fail_task") {
    config.limits.log_overflow = LogOverflow::fail_task;
  } else if (!overflow.empty() && overflow != "drop_oldest") {
    limits.report("log_overflow", "must be drop_oldest or fail_task, not '" + overflow + "'");
  }
  limits.read("max_requests_per_token_per_s", config.limits.max_requests_per_token_per_s, 0);
  limits.reject_unknown_keys();
}

void read_log(ConfigReader& reader, Config& config) {
  ConfigReader log = reader.object("log");
  std::string level;
  log.read("level", level);
  log.reject_unknown_keys();
  if (level.empty()) return;
  for (const auto& [name, value] : kLogLevels) {
    if (name == level) {
      config.log.level = value;
      return;
    }
  }
  log.report("level", "must be one of trace, debug, info, warn, error, not '" + level + "'");
}

void read_tls(ConfigReader& api, ApiConfig& config) {
  if (api.take("tls") == nullptr) return;
  ConfigReader tls = api.object("tls");
  tls.read("certificate", config.tls_certificate);
  tls.read("private_key", config.tls_private_key);
  tls.read("peer_ca", config.tls_peer_ca);
  tls.reject_unknown_keys();
  for (const auto& [key, path] :
       {std::pair{"certificate", &config.tls_certificate}, std::pair{"private_key", &config.tls_private_key}}) {
    if (path->empty()) {
      tls.report(key, "is required with api.tls: a PEM file's path");
    } else if (::access(path->c_str(), R_OK) != 0) {
      tls.report(key, "cannot read '" + *path + "': " + std::strerror(errno));
    }
  }
  if (!config.tls_peer_ca.empty() && ::access(config.tls_peer_ca.c_str(), R_OK) != 0) {
    tls.report("peer_ca", "cannot read '" + config.tls_peer_ca + "': " + std::strerror(errno));
  }
  if (config.tls_certificate.empty() || config.tls_private_key.empty()) {  // reported above: no TLS half-set
    config.tls_certificate.clear();
    config.tls_private_key.clear();
    config.tls_peer_ca.clear();
  }
}

void read_sections(ConfigReader& reader, Config& config) {
  ConfigReader auth = reader.object("auth");
  auth.read("enabled", config.auth.enabled);
  auth.reject_unknown_keys();

  ConfigReader audit = reader.object("audit");
  audit.read("retention_days", config.audit.retention_days, 0);
  audit.reject_unknown_keys();

  ConfigReader queues = reader.object("queues");
  queues.read("done_retention_days", config.queues.done_retention_days, 0);
  queues.reject_unknown_keys();

  ConfigReader api = reader.object("api");
  api.read("threads", config.api.threads, 1);
  api.read("read_timeout_s", config.api.read_timeout_s, 1);
  api.read("answer_timeout_s", config.api.answer_timeout_s, 1);
  api.read("max_connections", config.api.max_connections, 1);
  api.read("max_connections_per_client", config.api.max_connections_per_client, 1);
  api.read("event_history", config.api.event_history, 1);
  read_tls(api, config.api);
  read_oidc(api, config.api.oidc);
  read_policy(api, config.api.policy);
  api.reject_unknown_keys();

  ConfigReader instance = reader.object("instance");
  instance.read("id", config.instance.id);
  instance.read("lease_s", config.instance.lease_s, 3);
  instance.read("address", config.instance.address);
  if (const std::string& address = config.instance.address;
      !address.empty() && address.rfind("http://", 0) != 0 && address.rfind("https://", 0) != 0) {
    instance.report("address",
                    "must be a URL http://HOST:PORT or https://HOST:PORT other weftd instances reach this "
                    "one's API at, not '" +
                        address + "'");
  }
  instance.reject_unknown_keys();

  // A year is "wait for the tasks" in practice; more would overflow as milliseconds.
  constexpr long long longest_grace_s = 366LL * 24 * 3600;
  long long grace_s = config.shutdown_grace.count();
  reader.read("shutdown_grace_s", grace_s, 0LL);
  if (grace_s > longest_grace_s) {
    reader.report("shutdown_grace_s",
                  "must be at most " + std::to_string(longest_grace_s) + " (a year), not " + std::to_string(grace_s));
    grace_s = config.shutdown_grace.count();
  }
  config.shutdown_grace = std::chrono::seconds(grace_s);
}

Failure invalid_config(const std::string& where, std::vector<Problem> problems) {
  return fail(ErrorCode::invalid_request, "invalid configuration" + where, std::move(problems));
}

}  // namespace

std::filesystem::path default_plugin_dir() {
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  return (executable.parent_path() / ".." / "lib" / "weft" / "plugins").lexically_normal();
}

Result<Config> parse_config(const nlohmann::json& document) {
  if (!document.is_object()) return invalid_config("", {{"", "must be a JSON object"}});
  std::vector<Problem> problems;
  ConfigReader reader(document, "", problems);
  Config config;
  read_listen(reader, config);
  read_paths(reader, config);
  reader.read("required_plugins", config.required_plugins);
  read_storage(reader, config);
  config.executors = read_plugin_settings(reader, "executors", "executor");
  config.node_types = read_plugin_settings(reader, "node_types", "node type");
  read_limits(reader, config);
  read_log(reader, config);
  read_sections(reader, config);
  reader.reject_unknown_keys();
  if (!problems.empty()) return invalid_config("", std::move(problems));
  return config;
}

Result<Config> load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return fail(ErrorCode::invalid_request,
                "cannot read configuration file " + file.string() + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto document = parse_json(text.str());
  if (!document) return invalid_config(" in " + file.string(), {{"", document.failure().message}});
  Result<Config> config = parse_config(*document);
  if (!config) return invalid_config(" in " + file.string(), config.failure().details);
  return config;
}

}  // namespace weft::daemon
