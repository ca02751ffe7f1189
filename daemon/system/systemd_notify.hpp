// Talking to systemd when weftd runs as a Type=notify service with a watchdog.
// Outside systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC) everything here is a no-op.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace weft::daemon {

// Sends one sd_notify message, e.g. "READY=1", "STOPPING=1", "WATCHDOG=1",
// "STATUS=loaded 7 plugins". Thread-safe; never fails the caller (a lost
// notification is systemd's to time out on).
void notify_systemd(std::string_view state);

// How often to send "WATCHDOG=1": half the service's WatchdogSec, or nullopt
// when systemd does not watch this process.
std::optional<std::chrono::microseconds> watchdog_ping_interval();

}  // namespace weft::daemon
