#include "auth/token_verifier.hpp"

#include "auth/token_secret.hpp"

#include <spdlog/spdlog.h>

namespace weft::daemon {

TokenVerifier::TokenVerifier(const StoreClient& store) : store_(store) {}

std::optional<Role> TokenVerifier::verify(std::string_view secret) const {
  if (secret.empty()) return std::nullopt;
  const std::string hash = token_hash(secret);
  if (auto role = cached_role(hash)) return role;
  reload();
  return cached_role(hash);
}

void TokenVerifier::forget_verified() {
  std::lock_guard lock(mutex_);
  roles_by_hash_.clear();
}

std::optional<Role> TokenVerifier::cached_role(const std::string& hash) const {
  std::lock_guard lock(mutex_);
  const auto found = roles_by_hash_.find(hash);
  if (found == roles_by_hash_.end()) return std::nullopt;
  return found->second;
}

void TokenVerifier::reload() const {
  std::unordered_map<std::string, Role> roles;
  for (const auto& token : store_.list_tokens()) {
    if (token.revoked) continue;
    const auto role = parse_role(token.role);
    if (!role) {
      spdlog::warn("token {} has an unknown role '{}'; it is refused", token.id, token.role);
      continue;
    }
    roles.emplace(token.hash, *role);
  }
  std::lock_guard lock(mutex_);
  roles_by_hash_ = std::move(roles);
}

}  // namespace weft::daemon
