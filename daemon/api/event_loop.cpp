#include "api/event_loop.hpp"

#include <spdlog/spdlog.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace weft::daemon {

namespace {

int checked(int fd, const char* what) {
  if (fd < 0) throw std::runtime_error(std::string("cannot create the API's ") + what + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

EventLoop::EventLoop()
    : epoll_fd_(checked(::epoll_create1(EPOLL_CLOEXEC), "epoll instance")),
      wake_fd_(checked(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd")) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = 0;  // registration 0: the wake-up
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
}

EventLoop::~EventLoop() {
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  const uint64_t one = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_fd_, &one, sizeof one);
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::unique_lock lock(mutex_);
    if (finished_) {
      lock.unlock();
      fn = nullptr;  // what it holds is released here, while its owners still exist
      return;
    }
    posted_.push_back(std::move(fn));
    // One wake-up per batch: the loop takes everything posted when it wakes.
    if (posted_.size() > 1) return;
  }
  const uint64_t one = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_fd_, &one, sizeof one);
}

void EventLoop::add(int fd, uint32_t events, FdHandler handler) {
  const uint64_t id = next_registration_++;
  epoll_event event{};
  event.events = events;
  event.data.u64 = id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw std::runtime_error(std::string("epoll_ctl(ADD) failed: ") + std::strerror(errno));
  }
  registrations_.emplace(id, Registration{fd, std::move(handler)});
  registration_of_fd_[fd] = id;
}

void EventLoop::modify(int fd, uint32_t events) {
  const auto found = registration_of_fd_.find(fd);
  if (found == registration_of_fd_.end()) return;
  epoll_event event{};
  event.events = events;
  event.data.u64 = found->second;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
}

void EventLoop::remove(int fd) {
  const auto found = registration_of_fd_.find(fd);
  if (found == registration_of_fd_.end()) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  registrations_.erase(found->second);
  registration_of_fd_.erase(found);
}

EventLoop::TimerId EventLoop::at(Clock::time_point when, std::function<void()> fn) {
  const TimerId id = next_timer_++;
  timers_.emplace(when, id);
  timer_fns_.emplace(id, std::make_pair(when, std::move(fn)));
  return id;
}

void EventLoop::cancel(TimerId id) {
  const auto found = timer_fns_.find(id);
  if (found == timer_fns_.end()) return;
  auto [first, last] = timers_.equal_range(found->second.first);
  for (auto it = first; it != last; ++it) {
    if (it->second == id) {
      timers_.erase(it);
      break;
    }
  }
  timer_fns_.erase(found);
}

int EventLoop::next_timeout_ms() const {
  if (timers_.empty()) return -1;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
}

void EventLoop::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void EventLoop::run_due_timers() {
  const auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const TimerId id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto found = timer_fns_.find(id);
    auto fn = std::move(found->second.second);
    timer_fns_.erase(found);
    fn();
  }
}

// Handlers catch what they expect; an exception reaching here is a bug, and
// it must not take every connection down with the loop.
void EventLoop::run() {
  std::array<epoll_event, 256> events{};
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
    }
    const int count = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), next_timeout_ms());
    if (count < 0 && errno != EINTR) {
      spdlog::critical("the API's event loop failed: epoll_wait: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < count; ++i) {
      const uint64_t id = events[static_cast<size_t>(i)].data.u64;
      if (id == 0) {
        uint64_t ignored = 0;
        [[maybe_unused]] const auto n = ::read(wake_fd_, &ignored, sizeof ignored);
        continue;
      }
      const auto found = registrations_.find(id);
      if (found == registrations_.end()) continue;  // removed by an earlier handler of this batch
      try {
        auto handler = found->second.handler;  // a copy: the handler may remove its own registration
        handler(events[static_cast<size_t>(i)].events);
      } catch (const std::exception& e) {
        spdlog::error("the API's event loop: unexpected error (a bug): {}", e.what());
      }
    }
    try {
      run_posted();
      run_due_timers();
    } catch (const std::exception& e) {
      spdlog::error("the API's event loop: unexpected error (a bug): {}", e.what());
    }
  }
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (posted_.empty()) {
        finished_ = true;
        break;
      }
    }
    run_posted();
  }
}

}  // namespace weft::daemon
