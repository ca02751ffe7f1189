// limits.max_requests_per_token_per_s: a token bucket per API token, so that
// one script in a loop cannot take the daemon from everyone else. The bucket
// holds a second's worth of requests, so a burst up to the rate passes at once.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace weft::daemon {

class TokenRate {
 public:
  using Clock = std::chrono::steady_clock;

  // Requests per second per token; 0: no limit. Any thread.
  void set_limit(int per_second);
  int limit() const;

  // Counts a request of `token` at `now`: nullopt if it may go on, else the
  // whole seconds until it may (Retry-After). Any thread.
  std::optional<std::chrono::seconds> admit(const std::string& token, Clock::time_point now);

 private:
  struct Bucket {
    double requests = 0;  // how many may come at once now
    Clock::time_point at;
  };

  mutable std::mutex mutex_;
  int per_second_ = 0;
  // One per token that asked (only valid tokens get this far); small.
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace weft::daemon
