// Time as the scheduler sees it: wall-clock stamps for what it stores, and
// timers for what it waits for (backoffs, timeouts, the journal's lazy
// batches and retries). Injected, so that the scheduler's tests run on
// virtual time (tests/unit/scheduler) instead of sleeping.
#pragma once

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace weft::daemon {

// A pending call. Destroying it cancels the call if it has not run yet.
class Timer {
 public:
  virtual ~Timer() = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch, as stored in records.
  virtual int64_t now_ms() const = 0;
  // Calls fn on the scheduler's loop once delay has passed, unless the
  // returned Timer is destroyed first. fn never runs inside this call.
  [[nodiscard]] virtual std::unique_ptr<Timer> after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
};

// A workflow's seconds (any double >= 0: timeout_s, backoffs) as a timer's
// delay. Beyond about 31 years a wait is as good as forever, and converting
// more to milliseconds would overflow into a wait of no time at all.
inline std::chrono::milliseconds delay_of(double seconds) {
  constexpr double longest_s = 1e9;
  return std::chrono::milliseconds(static_cast<int64_t>(std::clamp(seconds, 0.0, longest_s) * 1000));
}

// Seconds as the workflow gave them, for messages: "0.25 s", "30 s", "1e+10 s".
inline std::string seconds_text(double seconds) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, seconds).ptr;
  return std::string(text, end) + " s";
}

// The real clock: the system clock for stamps, Asio's steady timers on the
// loop for delays.
class SystemClock final : public Clock {
 public:
  explicit SystemClock(boost::asio::io_context& io) : io_(io) {}
  int64_t now_ms() const override;
  std::unique_ptr<Timer> after(std::chrono::milliseconds delay, std::function<void()> fn) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace weft::daemon
