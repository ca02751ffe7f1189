#include "identity_servers.hpp"

#include <thread>

namespace weft::fakes {

namespace {

constexpr const char* kJwksPath = "/realms/test/protocol/openid-connect/certs";
constexpr const char* kDecisionPath = "/v1/data/weft/allow";

FakeReply error_reply(int status, const std::string& message) {
  return FakeReply{status, "application/json", nlohmann::json{{"code", "error"}, {"message", message}}.dump()};
}

}  // namespace

JwksServer::JwksServer(const std::filesystem::path& dir, nlohmann::json jwks)
    : jwks_(std::move(jwks)),
      server_(
          dir,
          [this](const FakeRequest& request) {
            if (request.method != "GET" || request.path != kJwksPath) return error_reply(404, "not found");
            const std::lock_guard lock(mutex_);
            return FakeReply{200, "application/json", jwks_.dump()};
          },
          error_reply) {}

void JwksServer::publish(nlohmann::json jwks) {
  const std::lock_guard lock(mutex_);
  jwks_ = std::move(jwks);
}

std::string JwksServer::url() const { return server_.url() + kJwksPath; }

PolicyServer::PolicyServer(const std::filesystem::path& dir, Decide decide)
    : decide_(std::move(decide)),
      server_(
          dir, [this](const FakeRequest& request) { return answer(request); }, error_reply) {}

void PolicyServer::set_delay(std::chrono::milliseconds delay) {
  const std::lock_guard lock(mutex_);
  delay_ = delay;
}

std::string PolicyServer::url() const { return server_.url() + kDecisionPath; }

nlohmann::json PolicyServer::last_input() const {
  const std::lock_guard lock(mutex_);
  return last_input_;
}

FakeReply PolicyServer::answer(const FakeRequest& request) {
  if (request.method != "POST" || request.path != kDecisionPath) return error_reply(404, "not found");
  const auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("input") || !body["input"].is_object()) {
    return error_reply(400, "the body must be an object with an object \"input\"");
  }
  std::chrono::milliseconds delay{};
  {
    const std::lock_guard lock(mutex_);
    delay = delay_;
    last_input_ = body["input"];
  }
  std::this_thread::sleep_for(delay);
  return FakeReply{200, "application/json", nlohmann::json{{"result", decide_(body["input"])}}.dump()};
}

}  // namespace weft::fakes
