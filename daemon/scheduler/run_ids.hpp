// Run ids: opaque to clients, short enough to type, and sortable by creation
// time as text (the store lists runs newest first by created_at, then id).
#pragma once

#include <chrono>
#include <random>
#include <string>

namespace weft::daemon {

// 9 base-36 digits of milliseconds since the epoch (good until the year 5188),
// then 5 random ones against collisions within a millisecond.
inline std::string new_run_id() {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  static thread_local std::mt19937_64 random{std::random_device{}()};
  auto ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::string id(14, '0');
  for (int i = 8; i >= 0; --i, ms /= 36) id[static_cast<size_t>(i)] = digits[ms % 36];
  for (size_t i = 9; i < id.size(); ++i) id[i] = digits[random() % 36];
  return id;
}

}  // namespace weft::daemon
