// Keeps an identity provider's keys at hand: fetched (from a file or a URL)
// on a thread of its own, again every `refresh`, and at once when a token
// names a key they lack (a rotation), at most once every `min_interval`.
// A request thread waits for a fetch only when it has no key for its token,
// and never longer than `max_wait`.
#pragma once

#include "auth/identity_settings.hpp"
#include "auth/jwks_keys.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace weft::daemon {

class JwksSource {
 public:
  using Clock = std::chrono::steady_clock;
  // The JWK Set's text; throws std::exception saying why it could not be had.
  using Fetch = std::function<std::string()>;
  struct Timing {
    std::chrono::milliseconds refresh{300'000};
    std::chrono::milliseconds min_interval{10'000};
    std::chrono::milliseconds max_wait{5'000};
  };

  // Reads settings.jwks_file at once (throws std::runtime_error naming the
  // file and the problem), or starts fetching settings.jwks_url.
  static std::unique_ptr<JwksSource> open(const OidcSettings& settings);

  // `initial`: keys already read; without them the first fetch starts at once.
  JwksSource(Fetch fetch, Timing timing, std::shared_ptr<const JwksKeys> initial = nullptr);
  ~JwksSource();
  JwksSource(const JwksSource&) = delete;
  JwksSource& operator=(const JwksSource&) = delete;

  // Any thread. Keys that hold kid, if any are to be had within max_wait;
  // otherwise the newest keys (nullptr when none was ever fetched), and
  // `problem` says why the last fetch failed, if it did.
  std::shared_ptr<const JwksKeys> keys_for(const std::string& kid, std::string& problem);
  // Fetches started so far.
  uint64_t fetches() const;

 private:
  void run();
  bool may_fetch_again(Clock::time_point now) const;  // mutex_ held

  const Fetch fetch_;
  const Timing timing_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::shared_ptr<const JwksKeys> keys_;  // guarded by mutex_
  std::string problem_;                   // guarded by mutex_: why the last fetch failed, "" if it did not
  bool wanted_ = false;                   // guarded by mutex_: a fetch is asked for
  bool fetching_ = false;                 // guarded by mutex_
  bool stopping_ = false;                 // guarded by mutex_
  uint64_t fetches_ = 0;                  // guarded by mutex_
  Clock::time_point last_fetch_{};        // guarded by mutex_: when the last fetch started
  std::thread thread_;                    // last: started once the rest is set
};

}  // namespace weft::daemon
