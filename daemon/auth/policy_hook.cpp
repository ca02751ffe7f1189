#include "auth/policy_hook.hpp"

#include <weft/client/api_client.hpp>

#include <chrono>

namespace weft::daemon {

namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

PolicyHook::Ask ask_over_http(const PolicySettings& settings) {
  auto client =
      std::make_shared<client::ApiClient>(settings.url, "", settings.timeout, settings.ca_file, "the policy engine");
  return [client](const nlohmann::json& input) {
    const auto response = client->post("", input);
    if (response.status != 200) throw std::runtime_error("it answered HTTP " + std::to_string(response.status));
    return response.json();
  };
}

nlohmann::json document_of(const PolicyInput& input) {
  nlohmann::json document{{"user", input.user},
                          {"roles", input.roles},
                          {"method", input.method},
                          {"path", input.path},
                          {"workflow", input.workflow ? nlohmann::json(*input.workflow) : nlohmann::json()}};
  return nlohmann::json{{"input", std::move(document)}};
}

}  // namespace

PolicyHook::PolicyHook(const PolicySettings& settings) : PolicyHook(settings, ask_over_http(settings), steady_ms) {}

PolicyHook::PolicyHook(const PolicySettings& settings, Ask ask, std::function<int64_t()> now_ms)
    : settings_(settings), ask_(std::move(ask)), now_ms_(std::move(now_ms)) {}

PolicyDecision PolicyHook::decide(const PolicyInput& input) {
  const auto document = document_of(input);
  const std::string key = document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (const auto allowed = cached(key, now_ms_())) return {*allowed, ""};
  std::string failure;
  try {
    const auto reply = ask_(document);
    const auto result = reply.is_object() ? reply.find("result") : reply.end();
    if (reply.is_object() && result != reply.end() && result->is_boolean()) {
      remember(key, result->get<bool>(), now_ms_());
      return {result->get<bool>(), ""};
    }
    // OPA leaves "result" out when the policy's rule is undefined for this input.
    failure = "its answer has no boolean \"result\"";
  } catch (const std::exception& e) {
    failure = e.what();
  }
  return {settings_.allow_on_error, failure};
}

std::optional<bool> PolicyHook::cached(const std::string& key, int64_t now) const {
  const std::lock_guard lock(mutex_);
  const auto found = decisions_.find(key);
  if (found == decisions_.end() || found->second.until <= now) return std::nullopt;
  return found->second.allowed;
}

void PolicyHook::remember(const std::string& key, bool allowed, int64_t now) {
  if (settings_.cache_ttl.count() <= 0) return;
  const std::lock_guard lock(mutex_);
  if (decisions_.size() >= kMostCached) {
    std::erase_if(decisions_, [now](const auto& entry) { return entry.second.until <= now; });
    if (decisions_.size() >= kMostCached) decisions_.clear();
  }
  decisions_[key] = Cached{allowed, now + settings_.cache_ttl.count()};
}

}  // namespace weft::daemon
