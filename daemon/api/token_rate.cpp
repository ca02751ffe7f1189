#include "api/token_rate.hpp"

#include <algorithm>
#include <cmath>

namespace weft::daemon {

void TokenRate::set_limit(int per_second) {
  const std::lock_guard lock(mutex_);
  per_second_ = per_second;
  buckets_.clear();  // full buckets at the new rate
}

int TokenRate::limit() const {
  const std::lock_guard lock(mutex_);
  return per_second_;
}

std::optional<std::chrono::seconds> TokenRate::admit(const std::string& token, Clock::time_point now) {
  const std::lock_guard lock(mutex_);
  if (per_second_ <= 0) return std::nullopt;
  const double rate = per_second_;
  auto [it, added] = buckets_.try_emplace(token, Bucket{rate, now});
  Bucket& bucket = it->second;
  if (!added) {
    const double elapsed_s = std::chrono::duration<double>(now - bucket.at).count();
    bucket.requests = std::min(rate, bucket.requests + std::max(0.0, elapsed_s) * rate);
    bucket.at = std::max(bucket.at, now);
  }
  if (bucket.requests >= 1) {
    bucket.requests -= 1;
    return std::nullopt;
  }
  const double wait_s = (1 - bucket.requests) / rate;
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait_s))));
}

}  // namespace weft::daemon
