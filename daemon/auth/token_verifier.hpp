// Tells the role of a bearer token, from the hashes in the store.
#pragma once

#include "auth/role.hpp"
#include "store/store_client.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace weft::daemon {

class TokenVerifier {
 public:
  // store must outlive the verifier.
  explicit TokenVerifier(const StoreClient& store);

  // Any thread. The role of the unrevoked token with this secret, nullopt if
  // there is none. Tokens are few: a secret not seen before reloads them all
  // from the store. Throws StoreError when the store does not answer.
  std::optional<Role> verify(std::string_view secret) const;

  // Any thread. Forgets what was verified, so that a revoked token stops working.
  void forget_verified();

 private:
  std::optional<Role> cached_role(const std::string& hash) const;
  void reload() const;

  const StoreClient& store_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Role> roles_by_hash_;  // guarded by mutex_
};

}  // namespace weft::daemon
