// The file descriptors the executor waits on through the host's watch_fd:
// timerfds for polling and pacing, and an eventfd that is readable at once,
// so that its callback runs after the loop's current turn.
#pragma once

#include <chrono>

namespace weft::slurm {

// Both throw std::runtime_error saying why.
int make_timer();
int make_eventfd();
// Arms a timer: first expiry after `first` (at least 1 ns), then every
// `interval` (0: once). Throws std::runtime_error.
void set_timer(int fd, std::chrono::nanoseconds first, std::chrono::nanoseconds interval);
void disarm_timer(int fd);
// Makes an eventfd readable. Throws std::runtime_error.
void signal_eventfd(int fd);
// Reads a timerfd's or eventfd's counter back to zero.
void drain_counter(int fd);

}  // namespace weft::slurm
