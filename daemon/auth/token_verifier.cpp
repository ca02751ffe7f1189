#include "auth/token_verifier.hpp"

#include "auth/token_secret.hpp"

#include <spdlog/spdlog.h>

namespace weft::daemon {

TokenVerifier::TokenVerifier(const StoreClient& store, std::function<int64_t()> now_ms)
    : store_(store), now_ms_(std::move(now_ms)) {}

Verification TokenVerifier::verify(std::string_view secret) const {
  if (secret.empty()) return {};
  const std::string hash = token_hash(secret);
  const int64_t now = now_ms_();
  auto caller = cached(hash, now);
  if (!caller && may_reread(now)) {
    reload(now);
    caller = cached(hash, now);
  }
  if (!caller) return {};
  const bool expired = caller->expires_at != 0 && caller->expires_at <= now;
  return {expired ? Verification::Outcome::expired : Verification::Outcome::valid, std::move(*caller)};
}

void TokenVerifier::forget_verified() {
  std::lock_guard lock(mutex_);
  callers_by_hash_.clear();
  loaded_at_ = 0;
}

std::optional<Caller> TokenVerifier::cached(const std::string& hash, int64_t now) const {
  std::lock_guard lock(mutex_);
  if (loaded_at_ == 0 || now - loaded_at_ >= kRecheckMs || now < loaded_at_) return std::nullopt;
  const auto found = callers_by_hash_.find(hash);
  if (found == callers_by_hash_.end()) return std::nullopt;
  return found->second;
}

bool TokenVerifier::may_reread(int64_t now) const {
  std::lock_guard lock(mutex_);
  return loaded_at_ == 0 || now - loaded_at_ >= kUnknownRereadMs || now < loaded_at_;
}

void TokenVerifier::reload(int64_t now) const {
  std::unordered_map<std::string, Caller> callers;
  for (const auto& token : store_.list_tokens()) {
    if (token.revoked) continue;
    const auto role = parse_role(token.role);
    if (!role) {
      spdlog::warn("token {} has an unknown role '{}'; it is refused", token.id, token.role);
      continue;
    }
    callers.emplace(token.hash, Caller{token.id, *role, token.workflows, token.expires_at});
  }
  std::lock_guard lock(mutex_);
  callers_by_hash_ = std::move(callers);
  loaded_at_ = now;
}

}  // namespace weft::daemon
