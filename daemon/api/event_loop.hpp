// The API's own event loop: one thread, epoll, timers, and work posted from
// other threads. It holds every connection that is not being read by a
// request thread (docs/architecture.md, "The API"), so nothing it runs may
// block: no store call, no scheduler command, no blocking socket I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace weft::daemon {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using FdHandler = std::function<void(uint32_t events)>;  // EPOLLIN, EPOLLOUT, ... as epoll reports them
  using TimerId = uint64_t;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs on the calling thread until stop(); then runs what was posted before.
  void run();
  // Any thread.
  void stop();
  // Any thread: fn runs on the loop, in the order posted. Once run() has
  // returned, fn is destroyed at once instead.
  void post(std::function<void()> fn);

  // Loop thread only. A registration is keyed by an id of its own, so that an
  // event for a descriptor removed (and its number reused) meanwhile is not
  // delivered to the new owner.
  void add(int fd, uint32_t events, FdHandler handler);
  void modify(int fd, uint32_t events);
  void remove(int fd);

  TimerId at(Clock::time_point when, std::function<void()> fn);
  TimerId after(Clock::duration delay, std::function<void()> fn) { return at(Clock::now() + delay, std::move(fn)); }
  void cancel(TimerId id);  // 0 and ids that have run are ignored

 private:
  void run_posted();
  void run_due_timers();
  int next_timeout_ms() const;

  const int epoll_fd_;
  const int wake_fd_;  // eventfd: post() and stop() wake epoll_wait
  std::mutex mutex_;   // guards posted_, stopped_ and finished_
  std::vector<std::function<void()>> posted_;
  bool stopped_ = false;
  bool finished_ = false;

  struct Registration {
    int fd;
    FdHandler handler;
  };
  uint64_t next_registration_ = 1;
  std::unordered_map<uint64_t, Registration> registrations_;  // by id
  std::unordered_map<int, uint64_t> registration_of_fd_;
  TimerId next_timer_ = 1;
  std::multimap<Clock::time_point, TimerId> timers_;
  std::unordered_map<TimerId, std::pair<Clock::time_point, std::function<void()>>> timer_fns_;
};

}  // namespace weft::daemon
