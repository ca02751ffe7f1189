#include "postgres_listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "postgres_connection.hpp"

namespace weft::storage::postgres {

namespace {

constexpr size_t kMaxNameBytes = 63;
constexpr int kReconnectMs = 1000;

}  // namespace

std::string work_channel(const std::string& schema) {
  std::string channel = "weft_work." + schema;
  if (channel.size() <= kMaxNameBytes) return channel;
  size_t end = kMaxNameBytes;
  while (end > 0 && (static_cast<unsigned char>(channel[end]) & 0xC0U) == 0x80U) --end;  // not inside a character
  channel.resize(end);
  return channel;
}

WorkListener::WorkListener(PostgresConfig config, std::function<void()> wake)
    : config_(std::move(config)), wake_(std::move(wake)), stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (stop_fd_ < 0) throw std::runtime_error(std::string("cannot create an eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { listen_until_stopped(); });
}

WorkListener::~WorkListener() {
  const uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(stop_fd_);
}

bool WorkListener::wait(int fd, int timeout_ms) const {
  std::array<pollfd, 2> fds{{{stop_fd_, POLLIN, 0}, {fd, POLLIN, 0}}};
  const nfds_t count = fd < 0 ? 1 : 2;
  while (::poll(fds.data(), count, timeout_ms) < 0 && errno == EINTR) {
  }
  return (fds[0].revents & POLLIN) != 0;
}

void WorkListener::listen_until_stopped() {
  for (;;) {
    try {
      Connection connection(config_);
      connection.execute("LISTEN " + connection.quote_identifier(work_channel(config_.schema)));
      wake_();
      while (!wait(connection.socket(), -1)) {
        if (connection.notified()) wake_();
      }
      return;
    } catch (const std::exception&) {
      // The server is away: the store's calls say so; listening resumes once it is back.
    }
    if (wait(-1, kReconnectMs)) return;
  }
}

}  // namespace weft::storage::postgres
