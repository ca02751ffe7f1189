// A Clock whose time moves only when the test says so: timers fire, in order,
// when advance() passes their moment, as handlers posted to the loop. Time
// starts at a fixed instant, so stamps are the same in every run.
#pragma once

#include "scheduler/clock.hpp"

#include <boost/asio/post.hpp>

#include <map>
#include <memory>
#include <mutex>

namespace weft::test {

class VirtualClock final : public daemon::Clock {
 public:
  // Due timers are posted to the loop last given to post_to.
  void post_to(boost::asio::io_context& io) {
    std::lock_guard lock(state_->mutex);
    io_ = &io;
  }

  int64_t now_ms() const override {
    std::lock_guard lock(state_->mutex);
    return state_->now;
  }

  std::unique_ptr<daemon::Timer> after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    std::lock_guard lock(state_->mutex);
    const uint64_t id = state_->next_id++;
    state_->due.emplace(std::make_pair(state_->now + delay.count(), id), std::move(fn));
    return std::make_unique<PendingCall>(state_, std::make_pair(state_->now + delay.count(), id));
  }

  // Moves time on; every timer now due is posted to the loop, earliest first.
  void advance(std::chrono::milliseconds by) {
    std::lock_guard lock(state_->mutex);
    state_->now += by.count();
    while (!state_->due.empty() && state_->due.begin()->first.first <= state_->now) {
      auto fn = std::move(state_->due.begin()->second);
      state_->due.erase(state_->due.begin());
      boost::asio::post(*io_, std::move(fn));
    }
  }

  // Timers waiting for their moment.
  size_t pending() const {
    std::lock_guard lock(state_->mutex);
    return state_->due.size();
  }

 private:
  using Key = std::pair<int64_t, uint64_t>;  // (due at, order of creation)
  struct State {
    mutable std::mutex mutex;
    int64_t now = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
    uint64_t next_id = 0;
    std::map<Key, std::function<void()>> due;
  };
  class PendingCall final : public daemon::Timer {
   public:
    PendingCall(std::shared_ptr<State> state, Key key) : state_(std::move(state)), key_(key) {}
    ~PendingCall() override {
      std::lock_guard lock(state_->mutex);
      state_->due.erase(key_);
    }
    PendingCall(const PendingCall&) = delete;
    PendingCall& operator=(const PendingCall&) = delete;

   private:
    std::shared_ptr<State> state_;
    Key key_;
  };

  boost::asio::io_context* io_ = nullptr;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace weft::test
