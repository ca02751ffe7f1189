// Asks an external policy engine whether a request may go ahead
// (api.policy), in the shape of Open Policy Agent's data API:
//   POST <url> {"input": {"user", "roles", "method", "path", "workflow"}}
//   → {"result": true|false}
// A decision is reused for the same input for a while; an engine that does
// not answer in time, or answers anything else, decides as configured.
#pragma once

#include "auth/identity_settings.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace weft::daemon {

struct PolicyInput {
  std::string user;                     // the token's id, "oidc:<sub>" for a JWT
  std::vector<std::string> roles;       // the weft role the token holds
  std::string method;                   // GET, POST, ...
  std::string path;                     // as requested, without the query
  std::optional<std::string> workflow;  // the workflow acted on, when the request names or reaches one
};

struct PolicyDecision {
  bool allowed = false;
  // Why the engine did not decide ("" when it did): in weftd's log, never in a reply.
  std::string failure;
};

class PolicyHook {
 public:
  // The engine's reply to one input document; throws std::exception when
  // there is none (unreachable, timed out).
  using Ask = std::function<nlohmann::json(const nlohmann::json& input)>;
  // Decisions cached at most; beyond that, expired ones go, then all.
  static constexpr size_t kMostCached = 10'000;

  // Asks over HTTP(S) with weft's HTTP client, on the calling thread.
  explicit PolicyHook(const PolicySettings& settings);
  // now_ms: a steady clock in ms (injected for tests).
  PolicyHook(const PolicySettings& settings, Ask ask, std::function<int64_t()> now_ms);

  // Any thread. Blocks the calling thread (a request thread) for at most the
  // configured timeout.
  PolicyDecision decide(const PolicyInput& input);

 private:
  std::optional<bool> cached(const std::string& key, int64_t now) const;
  void remember(const std::string& key, bool allowed, int64_t now);

  const PolicySettings settings_;
  const Ask ask_;
  const std::function<int64_t()> now_ms_;
  mutable std::mutex mutex_;
  struct Cached {
    bool allowed;
    int64_t until;
  };
  std::unordered_map<std::string, Cached> decisions_;  // by input document; guarded by mutex_
};

}  // namespace weft::daemon
