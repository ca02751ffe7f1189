#include "system/systemd_notify.hpp"

#include <string>

#include <systemd/sd-daemon.h>

namespace weft::daemon {

void notify_systemd(std::string_view state) {
  const std::string message(state);  // sd_notify wants a NUL-terminated string
  sd_notify(0, message.c_str());
}

std::optional<std::chrono::microseconds> watchdog_ping_interval() {
  uint64_t timeout_us = 0;
  if (sd_watchdog_enabled(0, &timeout_us) <= 0 || timeout_us == 0) return std::nullopt;
  return std::chrono::microseconds(timeout_us / 2);
}

}  // namespace weft::daemon
