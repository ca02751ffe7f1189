#include "event_fds.hpp"

#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>

namespace weft::slurm {

namespace {

std::string error_text(int error) { return std::system_category().message(error); }

timespec to_timespec(std::chrono::nanoseconds duration) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration);
  return timespec{static_cast<time_t>(seconds.count()), static_cast<long>((duration - seconds).count())};
}

}  // namespace

int make_timer() {
  const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("the slurm executor cannot create a timer: " + error_text(errno));
  return fd;
}

int make_eventfd() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("the slurm executor cannot create an eventfd: " + error_text(errno));
  return fd;
}

void set_timer(int fd, std::chrono::nanoseconds first, std::chrono::nanoseconds interval) {
  itimerspec when{};
  when.it_value = to_timespec(std::max(first, std::chrono::nanoseconds(1)));
  when.it_interval = to_timespec(interval);
  if (::timerfd_settime(fd, 0, &when, nullptr) != 0) {
    throw std::runtime_error("the slurm executor cannot set a timer: " + error_text(errno));
  }
}

void disarm_timer(int fd) {
  const itimerspec disarmed{};
  ::timerfd_settime(fd, 0, &disarmed, nullptr);
}

void signal_eventfd(int fd) {
  const uint64_t one = 1;
  if (::write(fd, &one, sizeof one) != sizeof one) {
    throw std::runtime_error("the slurm executor cannot signal its eventfd: " + error_text(errno));
  }
}

void drain_counter(int fd) {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd, &count, sizeof count);
}

}  // namespace weft::slurm
