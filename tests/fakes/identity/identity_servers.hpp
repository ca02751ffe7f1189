// The remote ends of weftd's api.oidc and api.policy, for tests, over HTTPS
// (FakeHttpsServer): an identity provider's JWKS endpoint, and a policy
// engine answering as Open Policy Agent's data API does. Debian 12 has no
// package of OPA itself. Each counts the requests it answered.
#pragma once

#include "fake_https_server.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

namespace weft::fakes {

// GET /realms/test/protocol/openid-connect/certs → the JWK Set published last.
class JwksServer {
 public:
  // Its certificate and key go in dir, which must exist.
  JwksServer(const std::filesystem::path& dir, nlohmann::json jwks);

  void publish(nlohmann::json jwks);
  std::string url() const;  // of the JWK Set
  const std::filesystem::path& ca_file() const { return server_.ca_file(); }
  uint64_t fetches() const { return server_.requests(); }

 private:
  mutable std::mutex mutex_;
  nlohmann::json jwks_;  // guarded by mutex_
  FakeHttpsServer server_;
};

// POST /v1/data/weft/allow {"input": {…}} → {"result": decide(input)}, after
// a delay if one is set. A body without an object "input" is answered 400,
// as OPA does.
class PolicyServer {
 public:
  using Decide = std::function<bool(const nlohmann::json& input)>;
  PolicyServer(const std::filesystem::path& dir, Decide decide);

  void set_delay(std::chrono::milliseconds delay);
  std::string url() const;  // of the decision
  const std::filesystem::path& ca_file() const { return server_.ca_file(); }
  uint64_t asked() const { return server_.requests(); }
  nlohmann::json last_input() const;

 private:
  FakeReply answer(const FakeRequest& request);

  const Decide decide_;
  mutable std::mutex mutex_;
  std::chrono::milliseconds delay_{0};  // guarded by mutex_
  nlohmann::json last_input_;           // guarded by mutex_
  FakeHttpsServer server_;
};

}  // namespace weft::fakes
