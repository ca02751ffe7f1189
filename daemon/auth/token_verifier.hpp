// Tells who holds a bearer token, from the hashes in the store.
#pragma once

#include "auth/role.hpp"
#include "store/store_client.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace weft::daemon {

struct Verification {
  enum class Outcome { valid, unknown, expired };
  Outcome outcome = Outcome::unknown;  // unknown also for a revoked token
  Caller caller;                       // its token's, unless unknown
};

class TokenVerifier {
 public:
  // What verify() caches is read again from the store after this long, so
  // that a token revoked through another instance sharing the store stops
  // working within it.
  static constexpr int64_t kRecheckMs = 5000;
  // An unknown secret reads the store again only this long after the last
  // read, so that a flood of made-up tokens costs one read a second, not one
  // a request; a token issued through another instance works within it.
  static constexpr int64_t kUnknownRereadMs = 1000;

  // store must outlive the verifier. now_ms: the wall clock, in ms since the
  // epoch (injected for tests).
  TokenVerifier(const StoreClient& store, std::function<int64_t()> now_ms);

  // Any thread. A cache older than kRecheckMs, or a secret not seen before
  // once kUnknownRereadMs have passed, reloads every token from the store
  // (tokens are few). Throws StoreError when the store does not answer.
  Verification verify(std::string_view secret) const;

  // Any thread. Forgets what was verified, so that a token revoked here
  // stops working, and one issued here works, at once.
  void forget_verified();

 private:
  std::optional<Caller> cached(const std::string& hash, int64_t now) const;
  bool may_reread(int64_t now) const;
  void reload(int64_t now) const;

  const StoreClient& store_;
  std::function<int64_t()> now_ms_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Caller> callers_by_hash_;  // guarded by mutex_
  mutable int64_t loaded_at_ = 0;                                    // guarded by mutex_; 0: never
};

}  // namespace weft::daemon
