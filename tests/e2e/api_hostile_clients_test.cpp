// weftd's API under slow and hostile clients, probed as an attacker would:
// from loopback, over raw sockets, without a token. Each test is one way the
// API could be taken down (slowloris connections, log followers, a full
// disk) and asserts what a well-behaved client gets meanwhile. Nothing here
// measures time: the deadlines only bound a failure.
#include "api_test_helpers.hpp"
#include "raw_socket.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>
#include <thread>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kBound{30'000};  // how long a failure may take to show

// Attackers come from 127.0.1.x, `per_address` connections from each; the
// well-behaved client is 127.0.0.1.
std::string attacker(int i, int per_address) { return "127.0.1." + std::to_string(2 + i / per_address); }

WeftdOptions with_config(nlohmann::json config) {
  WeftdOptions options;
  options.config = std::move(config);
  return options;
}

std::string follow_request(const std::string& run_id, const std::string& token) {
  return "GET /api/v1/runs/" + run_id + "/tasks/main/logs?follow=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         "Authorization: Bearer " + token + "\r\n\r\n";
}

TEST(ApiHostileClients, SlowlorisConnectionsDoNotStopTheApi) {
  WeftdProcess weftd(with_config({{"api", {{"read_timeout_s", 6}}}}));
  const auto client = weftd.client();
  const std::string name = test_workflow_name();
  weftd.apply(shell_workflow(name, "true"));
  const auto run_id = weftd.start_run(name);

  // 100 connections, 25 from each of four addresses, each sending its head
  // one header line at a time: before, ~80 of them took every API thread.
  std::vector<RawSocket> slow;
  for (int i = 0; i < 100; ++i) {
    slow.emplace_back(weftd.port(), attacker(i, 25));
    ASSERT_TRUE(slow.back().connected()) << "connection " << i;
    slow.back().send("GET /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& connection : slow) connection.send("X-Slow-" + std::to_string(round) + ": 1\r\n");
    EXPECT_EQ(client.without_token().get("/healthz").status, 200);
    EXPECT_EQ(client.get("/api/v1/runs/" + run_id).status, 200);
    std::this_thread::sleep_for(seconds(1));
  }
  // And weftd ends them: a whole head must arrive within api.read_timeout_s.
  for (auto& connection : slow) {
    const auto answer = connection.receive_all(kBound);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  }
  EXPECT_EQ(client.get("/api/v1/runs/" + run_id).status, 200);
}

TEST(ApiHostileClients, FollowersDoNotFreezeTheApiAndLeavingFreesThem) {
  WeftdProcess weftd(with_config({{"api", {{"threads", 4}}}}));
  const auto client = weftd.client();
  const std::string name = test_workflow_name();
  weftd.apply(shell_workflow(name, "echo started; sleep 120"));
  const auto run_id = weftd.start_run(name);
  ASSERT_TRUE(eventually([&] { return client.get("/api/v1/runs/" + run_id + "/tasks/main/logs").body == "started\n"; },
                         kBound));

  // A follower from one address (up to api.max_connections_per_client, 32,
  // may come from it); it has the log so far once it is following.
  const auto follow = [&] {
    std::optional<RawSocket> follower;
    std::string answer;
    const bool following = eventually(
        [&] {
          follower.emplace(weftd.port(), "127.0.1.2");
          follower->send(follow_request(run_id, weftd.token()));
          answer = follower->receive_until([](const std::string& r) { return r.ends_with("started\n\r\n"); }, kBound);
          return answer.starts_with("HTTP/1.1 200");  // 429 while closed followers still count
        },
        kBound);
    EXPECT_TRUE(following) << answer;
    return std::move(*follower);
  };
  std::vector<RawSocket> followers;
  for (int i = 0; i < 20; ++i) followers.push_back(follow());  // five times the API's threads

  EXPECT_EQ(client.without_token().get("/healthz").status, 200);
  EXPECT_EQ(client.get("/api/v1/runs/" + run_id).status, 200);
  EXPECT_EQ(client.get("/api/v1/runs/" + run_id + "/tasks").status, 200);

  // They hang up while the task runs on: 20 more from the same address are
  // served, which they could not be (20 + 20 > 32) if the first still counted.
  followers.clear();
  for (int i = 0; i < 20; ++i) followers.push_back(follow());
  EXPECT_EQ(client.get("/api/v1/runs/" + run_id).status, 200);

  // And they end with the task.
  EXPECT_EQ(client.post("/api/v1/runs/" + run_id + "/cancel").status, 202);
  for (auto& follower : followers) {
    const auto rest = follower.receive_until([](const std::string& r) { return r.ends_with("0\r\n\r\n"); }, kBound);
    EXPECT_TRUE(rest.ends_with("0\r\n\r\n")) << rest;
  }
}

// A tmpfs on `path`, mounted in a mount namespace of this test process's own
// (inherited by the weftd it starts): nobody else sees it, and it cannot
// outlive the processes that use it, whatever happens to the test.
class PrivateTmpfs {
 public:
  PrivateTmpfs(const fs::path& path, const std::string& size) : path_(path) {
    if (::unshare(CLONE_NEWNS) != 0) {
      why_ = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      why_ = std::string("making / private: ") + std::strerror(errno);
    } else if (::mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
      why_ = std::string("mounting a tmpfs: ") + std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~PrivateTmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

  // Writes a file until the file system has no room left.
  void fill() const {
    const int fd = ::open((path_ / "filler").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string block(64 * 1024, 'x');
    for (size_t size = block.size(); size > 0; size /= 2) {
      while (::write(fd, block.data(), size) == static_cast<ssize_t>(size)) {
      }
    }
    ::close(fd);
  }
  void free_space() const { fs::remove(path_ / "filler"); }

 private:
  fs::path path_;
  bool mounted_ = false;
  std::string why_;
};

TEST(ApiHostileClients, WithTheStoreFullRunRequestsAre503AndHealthAnswers) {
  TempDir mount_point;
  const PrivateTmpfs disk(mount_point.path(), "16m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a private tmpfs here: " << disk.why();
  const fs::path state_dir = mount_point.path() / "state";
  WeftdProcess weftd(with_config({{"state_dir", state_dir.string()}, {"api", {{"answer_timeout_s", 2}}}}));
  std::string token;
  std::ifstream(state_dir / "admin.token") >> token;
  const HttpClient client(weftd.port(), token);
  const std::string name = test_workflow_name();
  ASSERT_EQ(client.post("/api/v1/workflows", shell_workflow(name, "true")).status, 201);

  disk.fill();
  std::vector<std::future<HttpResponse>> runs;
  for (int i = 0; i < 20; ++i) {
    runs.push_back(std::async(std::launch::async, [&] { return client.post("/api/v1/workflows/" + name + "/runs"); }));
  }
  EXPECT_EQ(client.without_token().get("/healthz").status, 200);
  EXPECT_TRUE(eventually([&] { return client.without_token().get("/readyz").status == 503; }, kBound));
  // Each is told 503, whether the scheduler refuses it while the store is
  // unwritable or it waits past api.answer_timeout_s ("weftd is busy: ...").
  for (auto& run : runs) {
    const auto answer = run.get();
    EXPECT_TRUE(is_api_error(answer, 503, "unavailable")) << answer.body;
  }
  EXPECT_EQ(client.without_token().get("/healthz").status, 200);
  EXPECT_TRUE(is_api_error(client.without_token().get("/readyz"), 503, "unavailable"));

  // Room again: weftd's retried write goes through, and it is ready.
  disk.free_space();
  EXPECT_TRUE(eventually([&] { return client.without_token().get("/readyz").status == 200; }, kBound)) << weftd.log();
  EXPECT_EQ(client.post("/api/v1/workflows/" + name + "/runs").status, 201);
  weftd.stop();
}

}  // namespace
}  // namespace weft::test
