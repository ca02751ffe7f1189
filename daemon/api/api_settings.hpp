// What the API server is told by weftd's configuration.
#pragma once

#include "api/tls_relay.hpp"
#include "core/result.hpp"
#include "workflow/workflow.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace weft::daemon {

// Who this weftd is among the instances sharing a store: a request on a run
// another instance holds is sent to it (api/peer_forwarding.hpp).
struct PeerSettings {
  std::string instance;
  std::chrono::milliseconds lease{30'000};  // an instance silent for longer is not asked
  std::string ca_file;                      // the CAs trusted for peers on https, "" for the system's
};

struct ApiSettings {
  std::string listen = "127.0.0.1:8080";  // "host:port"; port 0 picks a free port (see ApiServer::port)
  size_t max_body_bytes = 1024 * 1024;    // larger request bodies are refused with 413
  bool auth_enabled = true;               // false: no tokens are asked for
  std::filesystem::path state_dir;        // where task log files live (scheduler/task_files.hpp)
  int threads = 16;                       // request threads: most requests read and answered at once
  // A request's head (and body) must have arrived this long after its first byte.
  std::chrono::milliseconds read_timeout{10'000};
  // A request waiting longer for a thread, the store or the scheduler is answered 503.
  std::chrono::milliseconds answer_timeout{10'000};
  size_t max_connections = 1024;           // open at once, from all clients
  size_t max_connections_per_client = 32;  // open at once from one client address; more are answered 429
  size_t event_history = 10'000;           // live events kept for clients resuming with Last-Event-ID
  std::optional<TlsFiles> tls;             // set: the listen address speaks HTTPS only
  PeerSettings peers{};
};

// The limits a reload may change while the API serves (ApiServer::set_limits).
struct ApiLimits {
  DocumentLimits documents{};            // what POST /workflows/validate accepts
  int max_requests_per_token_per_s = 0;  // more are answered 429 with Retry-After; 0: no limit
};

// POST /api/v1/plugins/reload: rescans the plugins and rereads the
// configuration; the reply body, or why nothing changed (an invalid file).
using Reloader = std::function<Result<nlohmann::json>()>;

}  // namespace weft::daemon
