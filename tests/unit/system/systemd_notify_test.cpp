#include "system/systemd_notify.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

// Plays systemd's side: a datagram socket at NOTIFY_SOCKET.
class NotifySocket : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("weft-notify-" + std::to_string(getpid()));
    std::filesystem::remove(path_);
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0) << std::strerror(errno);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0) << std::strerror(errno);
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }

  void TearDown() override {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
    std::filesystem::remove(path_);
  }

  // The next datagram, or "" when none arrives within a generous deadline.
  std::string receive() {
    pollfd readable{fd_, POLLIN, 0};
    if (poll(&readable, 1, 10'000) != 1) return "";
    char buffer[512];
    const ssize_t size = recv(fd_, buffer, sizeof(buffer), 0);
    return size > 0 ? std::string(buffer, static_cast<std::size_t>(size)) : "";
  }

  std::filesystem::path path_;
  int fd_ = -1;
};

TEST_F(NotifySocket, ReadyReachesTheNotifySocket) {
  notify_systemd("READY=1");
  EXPECT_EQ(receive(), "READY=1");
}

TEST_F(NotifySocket, StatusTextIsSentAsGiven) {
  notify_systemd(std::string_view("STATUS=loaded 7 plugins and more", 23));
  EXPECT_EQ(receive(), "STATUS=loaded 7 plugins");
}

// Datagrams arrive in order: the first thing received tells whether the
// message sent without NOTIFY_SOCKET went anywhere.
TEST_F(NotifySocket, WithoutNotifySocketNothingIsSent) {
  unsetenv("NOTIFY_SOCKET");
  notify_systemd("READY=1");
  setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  notify_systemd("STATUS=after");
  EXPECT_EQ(receive(), "STATUS=after");
}

TEST(Watchdog, PingsAtHalfTheWatchdogTimeout) {
  setenv("WATCHDOG_USEC", "30000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_ping_interval(), std::chrono::microseconds(15'000'000));
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
}

TEST(Watchdog, NoWatchdogWithoutWatchdogUsec) {
  unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(watchdog_ping_interval(), std::nullopt);
}

TEST(Watchdog, NoWatchdogWhenItIsMeantForAnotherProcess) {
  setenv("WATCHDOG_USEC", "30000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_EQ(watchdog_ping_interval(), std::nullopt);
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
}

}  // namespace
}  // namespace weft::daemon
