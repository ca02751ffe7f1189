#include "scheduler/clock.hpp"

#include <boost/asio/steady_timer.hpp>

namespace weft::daemon {

namespace {

// The steady_timer outlives a cancel that races with its expiry: the handler
// owns it, and checks the flag the Timer clears.
class AsioTimer final : public Timer {
 public:
  AsioTimer(boost::asio::io_context& io, std::chrono::milliseconds delay, std::function<void()> fn)
      : state_(std::make_shared<State>(io, std::move(fn))) {
    state_->timer.expires_after(delay);
    state_->timer.async_wait([state = state_](const boost::system::error_code& ec) {
      if (ec || !state->armed) return;
      state->armed = false;
      state->fn();
    });
  }
  ~AsioTimer() override {
    state_->armed = false;
    state_->timer.cancel();
  }
  AsioTimer(const AsioTimer&) = delete;
  AsioTimer& operator=(const AsioTimer&) = delete;

 private:
  struct State {
    State(boost::asio::io_context& io, std::function<void()> f) : timer(io), fn(std::move(f)) {}
    boost::asio::steady_timer timer;
    std::function<void()> fn;
    bool armed = true;
  };
  std::shared_ptr<State> state_;
};

}  // namespace

int64_t SystemClock::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<Timer> SystemClock::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  return std::make_unique<AsioTimer>(io_, delay, std::move(fn));
}

}  // namespace weft::daemon
