// weftd as a program: its options, its configuration check, how it tells
// systemd it is ready and stopping, and how it fails to start.
#include "child_process.hpp"
#include "weftd_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A config for weftd on a free port with everything in `dir`.
json config_in(const TempDir& dir) {
  return {{"listen", "127.0.0.1:" + std::to_string(free_port())},
          {"state_dir", (dir.path() / "state").string()},
          {"plugin_dirs", {(build_dir() / "lib" / "weft" / "plugins").string()}}};
}

std::string write_config(const TempDir& dir, const json& config) {
  const auto path = dir.path() / "weftd.json";
  std::ofstream(path) << config.dump(2);
  return path.string();
}

// What systemd would receive: a datagram socket named by NOTIFY_SOCKET.
class NotifySocket {
 public:
  NotifySocket() : path_(dir_.path() / "notify") {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << path_;
    const timeval timeout{0, 200 * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  std::string path() const { return path_.string(); }

  // Waits for a datagram that has `line` among its lines.
  bool receives(const std::string& line) {
    return eventually([&] {
      std::array<char, 4096> buffer{};
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n > 0) received_ += "\n" + std::string(buffer.data(), static_cast<size_t>(n)) + "\n";
      return received_.find("\n" + line + "\n") != std::string::npos;
    });
  }
  const std::string& received() const { return received_; }

 private:
  TempDir dir_;
  std::filesystem::path path_;
  int fd_ = -1;
  std::string received_;
};

WeftdOptions notifying(const NotifySocket& systemd) {
  WeftdOptions options;
  options.env = {{"NOTIFY_SOCKET", systemd.path()}};
  return options;
}

TEST(Weftd, VersionPrintsTheVersion) {
  const auto result = run_program(weftd_binary(), {"--version"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_TRUE(result.out.starts_with("weftd ")) << result.out;
}

TEST(Weftd, AnUnknownArgumentIsBadUsage) {
  const auto result = run_program(weftd_binary(), {"--frobnicate"});
  EXPECT_EQ(result.exit_code, 2) << result.output();
  EXPECT_THAT(result.err, HasSubstr("--frobnicate"));
}

TEST(Weftd, CheckConfigAcceptsAGoodConfig) {
  const TempDir dir;
  const auto result = run_program(weftd_binary(), {"--config", write_config(dir, config_in(dir)), "--check-config"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
}

TEST(Weftd, CheckConfigNamesAnUnknownKeyByItsPointer) {
  const TempDir dir;
  auto config = config_in(dir);
  config["limits"] = {{"max_body_byte", 4096}};
  config["listn"] = "127.0.0.1:1";
  const auto result = run_program(weftd_binary(), {"--config", write_config(dir, config), "--check-config"});
  EXPECT_NE(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.err, HasSubstr("/limits/max_body_byte"));
  EXPECT_THAT(result.err, HasSubstr("/listn"));
}

TEST(Weftd, CheckConfigOfAMissingFileNamesTheFile) {
  const TempDir dir;
  const auto missing = (dir.path() / "absent.json").string();
  const auto result = run_program(weftd_binary(), {"--config", missing, "--check-config"});
  EXPECT_NE(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.err, HasSubstr(missing));
}

TEST(Weftd, LogsToStandardError) {
  const WeftdProcess weftd;
  // The socket answers a moment before the line is written.
  EXPECT_TRUE(eventually([&] { return weftd.log().find("serving") != std::string::npos; })) << weftd.log();
}

TEST(Weftd, TellsSystemdWhenItIsReady) {
  NotifySocket systemd;
  const WeftdProcess weftd(notifying(systemd));
  EXPECT_TRUE(systemd.receives("READY=1")) << "received: " << systemd.received();
}

TEST(Weftd, SigtermStopsItWithExitCodeZeroTellingSystemd) {
  NotifySocket systemd;
  WeftdProcess weftd(notifying(systemd));
  ASSERT_TRUE(systemd.receives("READY=1")) << "received: " << systemd.received();
  const int status = weftd.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  EXPECT_TRUE(systemd.receives("STOPPING=1")) << "received: " << systemd.received();
}

TEST(Weftd, AnAddressInUseIsAClearErrorNotACrash) {
  const int taken = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  ::getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string listen = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  const TempDir dir;
  auto config = config_in(dir);
  config["listen"] = listen;
  const auto result = run_program(weftd_binary(), {"--config", write_config(dir, config)});
  ::close(taken);
  EXPECT_EQ(result.signal, 0) << "weftd was killed by a signal: " << result.output();
  EXPECT_GT(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.err, HasSubstr(listen));
}

TEST(Weftd, AStateDirThatCannotBeCreatedIsAClearError) {
  const TempDir dir;
  std::ofstream(dir.path() / "a-file") << "not a directory";
  const auto state_dir = (dir.path() / "a-file" / "state").string();
  auto config = config_in(dir);
  config["state_dir"] = state_dir;
  const auto result = run_program(weftd_binary(), {"--config", write_config(dir, config)});
  EXPECT_EQ(result.signal, 0) << "weftd was killed by a signal: " << result.output();
  EXPECT_GT(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.err, HasSubstr(state_dir));
}

}  // namespace
}  // namespace weft::test
