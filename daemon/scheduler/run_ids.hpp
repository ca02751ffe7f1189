// Run ids: opaque to clients, short enough to type, and increasing as text in
// the order the runs were created (the store lists runs newest first by
// created_at, then id, so runs created in the same millisecond keep their order).
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace weft::daemon {

// 9 base-36 digits of milliseconds since the epoch (good until the year 5188),
// 2 of a sequence within the millisecond, 3 random ones so that ids from
// different weftd instances sharing a store do not collide. One generator per
// scheduler; not thread-safe.
class RunIdGenerator {
 public:
  std::string next(int64_t now_ms);

 private:
  int64_t last_ms_ = 0;
  uint32_t sequence_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace weft::daemon
