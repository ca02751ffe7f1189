// weftd's configuration (etc/weftd.json): every setting with its default, so
// that an empty file `{}` gives a daemon that works on one host.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/common.h>
#include <nlohmann/json.hpp>

#include "auth/identity_settings.hpp"
#include "core/result.hpp"

namespace weft::daemon {

struct StorageConfig {
  std::string plugin = "sqlite";
  // Every key of "storage" except "plugin", handed to the storage plugin as its
  // config. For sqlite, "path" defaults to <state_dir>/weft.db.
  nlohmann::json settings = nlohmann::json::object();
};

// What happens to a task attempt whose log outgrew limits.max_log_bytes.
enum class LogOverflow { drop_oldest, fail_task };

struct LimitsConfig {
  int max_running_tasks = 256;                 // across all runs of this daemon
  std::size_t max_body_bytes = 1024 * 1024;    // largest accepted API request body
  int max_for_each_items = 100000;             // most tasks one for_each node expands to
  std::size_t max_params_bytes = 1024 * 1024;  // largest params of one run, as JSON
  std::size_t max_output_bytes = 1024 * 1024;  // largest output of one task, as JSON
  int max_runs_per_workflow = 0;               // runs of one workflow under way at once; 0: no limit
  std::size_t max_workflow_nodes = 100000;     // nodes of one workflow document
  int max_document_depth = 64;                 // nesting of a workflow document; at most max_json_depth
  std::size_t max_log_bytes = 0;               // each log file of one task attempt; 0: no limit
  LogOverflow log_overflow = LogOverflow::drop_oldest;
  int max_requests_per_token_per_s = 0;  // API requests of one token; more are answered 429; 0: no limit
};

struct AuthConfig {
  bool enabled = true;
};

struct AuditConfig {
  int retention_days = 90;  // audit entries older are pruned from the store; 0: kept forever
};

struct QueuesConfig {
  int done_retention_days = 7;  // messages done longer ago are pruned from the store; 0: kept forever
};

struct LogConfig {
  spdlog::level::level_enum level = spdlog::level::info;
};

struct ApiConfig {
  int threads = 16;                     // request threads, started on demand: most requests answered at once
  int read_timeout_s = 10;              // a request's head and body must arrive within this of its first byte
  int answer_timeout_s = 10;            // a request waiting longer for the store or the scheduler is answered 503
  int max_connections = 1024;           // open at once, from all clients
  int max_connections_per_client = 32;  // open at once from one client address; more are answered 429
  int event_history = 10000;            // live events kept for clients that resume (Last-Event-ID)
  // api.tls: both set, the listen address speaks HTTPS only; SIGHUP reads the files again.
  std::string tls_certificate;  // PEM: the certificate, then its chain
  std::string tls_private_key;  // PEM, not encrypted
  std::string tls_peer_ca;      // PEM: the CAs of the other instances' certificates; "" for the system's
  bool tls() const { return !tls_certificate.empty(); }
  OidcSettings oidc;      // api.oidc: JWTs of this identity provider are accepted too; SIGHUP applies changes
  PolicySettings policy;  // api.policy: each authorized request is also asked of this policy engine
};

// Who this weftd is among the instances sharing a store (PostgreSQL).
struct InstanceConfig {
  std::string id;  // default: "<hostname>:<listen port>", unique on a network of hosts
  // The URL other instances reach this one's API at, to send it requests on
  // the runs it holds; default: "http://<listen>", a wildcard host replaced
  // by the host name.
  std::string address;
  int lease_s = 30;  // a run this instance holds is taken over this long after its last renewal
};

// Mirrors the JSON document key by key.
struct Config {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, as Poco::Net::SocketAddress takes it
  std::filesystem::path state_dir = "/var/lib/weft";
  std::vector<std::filesystem::path> plugin_dirs;  // default: {default_plugin_dir()}
  std::vector<std::string> required_plugins;       // a refusal of one of these stops startup
  StorageConfig storage;
  nlohmann::json executors = nlohmann::json::object();   // executor name -> its config object
  nlohmann::json node_types = nlohmann::json::object();  // node type name -> its config object
  LimitsConfig limits;
  AuthConfig auth;
  AuditConfig audit;
  QueuesConfig queues;
  LogConfig log;
  ApiConfig api;
  InstanceConfig instance;
  std::chrono::seconds shutdown_grace{30};  // "shutdown_grace_s"
};

// Reads and validates a config file. A file that cannot be read, is not JSON
// (the problem names line and column) or holds unknown keys, wrong types or
// out-of-range values gives an invalid_request Failure listing every problem
// at its JSON pointer.
Result<Config> load_config(const std::filesystem::path& file);

// Validates an already parsed document; same rules as load_config.
Result<Config> parse_config(const nlohmann::json& document);

// <directory of the running executable>/../lib/weft/plugins, normalised: the
// plugin directory both in the build tree (bin/) and in an installed prefix.
std::filesystem::path default_plugin_dir();

}  // namespace weft::daemon
