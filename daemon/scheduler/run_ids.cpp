#include "scheduler/run_ids.hpp"

namespace weft::daemon {

namespace {

constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr uint32_t sequence_limit = 36 * 36;

void put_base36(std::string& out, size_t at, size_t width, uint64_t value) {
  for (size_t i = width; i-- > 0; value /= 36) out[at + i] = digits[value % 36];
}

}  // namespace

std::string RunIdGenerator::next(int64_t now_ms) {
  // Never go back (a clock step) and never reuse a (millisecond, sequence):
  // past 1296 ids in one millisecond, borrow the next millisecond.
  if (now_ms > last_ms_) {
    last_ms_ = now_ms;
    sequence_ = 0;
  } else if (++sequence_ == sequence_limit) {
    ++last_ms_;
    sequence_ = 0;
  }
  std::string id(14, '0');
  put_base36(id, 0, 9, static_cast<uint64_t>(last_ms_));
  put_base36(id, 9, 2, sequence_);
  put_base36(id, 11, 3, random_() % (36 * 36 * 36));
  return id;
}

}  // namespace weft::daemon
