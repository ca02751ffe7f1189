// The API under slow and hostile clients: a real ApiServer on a real socket
// with few threads, so that anything holding a thread shows. Nothing here
// measures time: deadlines in the assertions only bound a failure.
#include "../../e2e/raw_socket.hpp"
#include "api/api_server.hpp"
#include "memory_store.hpp"
#include "scheduler/task_files.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

namespace weft::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using test::RawSocket;

constexpr milliseconds kBound{20'000};  // how long a failure may take to show

// Asks until done() holds or kBound has passed; the server may not have seen a close yet.
bool eventually(const std::function<bool()>& done) {
  for (const auto until = std::chrono::steady_clock::now() + kBound; std::chrono::steady_clock::now() < until;) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

// A scheduler that answers nothing until the test opens the gate.
class GatedCommands : public Commands {
 public:
  ~GatedCommands() override { open(); }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  Result<WorkflowApplied> apply_workflow(const json&, const std::optional<std::string>&) override {
    wait();
    return WorkflowApplied{"hello", 1, true};
  }
  Status delete_workflow(const std::string&) override { return wait(); }
  Result<RunCreated> create_run(const RunRequest&) override {
    wait();
    return RunCreated{"run-1", sdk::RunStatus::running, true};
  }
  Status start_run(const std::string&) override { return wait(); }
  Status cancel_run(const std::string&) override { return wait(); }
  Status retry_run(const std::string&) override { return wait(); }
  Result<RunCreated> run_node_again(const NodeRunRequest&) override {
    wait();
    return RunCreated{"run-2", sdk::RunStatus::running, true};
  }
  Status pause_run(const std::string&) override { return wait(); }
  Status resume_run(const std::string&) override { return wait(); }
  Result<ScheduleView> set_schedule_enabled(const std::string&, bool) override {
    wait();
    return ScheduleView{};
  }
  Result<SchedulerFigures> figures() override { return SchedulerFigures{}; }
  Status store_token(const sdk::TokenRecord&) override { return wait(); }
  Result<std::string> enqueue(const std::string&, const std::string&) override {
    wait();
    return std::string("m-1");
  }
  Status redrive(const std::string&, const std::vector<weft::sdk::MessageRecord>&) override { return wait(); }
  void record_audit(sdk::AuditRecord) override {}
  std::vector<ScheduleView> schedules() const override { return {}; }

 private:
  Status wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return open_; });
    return Done{};
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

class NoCatalog : public NodeCatalog {
 public:
  std::optional<std::vector<Problem>> validate_params(std::string_view, const json&) const override {
    return std::vector<Problem>{};
  }
  bool has_executor(std::string_view) const override { return true; }
};

struct Reply {
  int status = 0;
  std::string body;
};

class ApiLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_dir_ = fs::path(::testing::TempDir()) /
                 ("weft-api-limits-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(state_dir_);
    fs::create_directories(state_dir_);
    settings_.listen = "127.0.0.1:0";
    settings_.auth_enabled = false;
    settings_.state_dir = state_dir_;
    settings_.threads = 1;
    settings_.read_timeout = milliseconds(500);
    settings_.answer_timeout = milliseconds(500);
  }
  void TearDown() override {
    commands_.open();
    server_.reset();
    fs::remove_all(state_dir_);
  }

  void start() {
    server_ = std::make_unique<ApiServer>(
        commands_, *store_.client, catalog_, [] { return std::vector<PluginInfo>{}; }, [] { return true; }, settings_);
    server_->start();
  }

  Reply call(const std::string& method, const std::string& target, const std::string& body = "") const {
    Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
    session.setTimeout(Poco::Timespan(20, 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse head;
    Reply reply;
    Poco::StreamCopier::copyToString(session.receiveResponse(head), reply.body);
    reply.status = head.getStatus();
    return reply;
  }

  // A follower of the log of task `greet` of run r1 (running), with what it
  // received with its reply's head.
  struct Follower {
    RawSocket socket;
    std::string received;
    // What it has received until done(all of it) holds.
    std::string until(const std::function<bool(const std::string&)>& done) {
      received += socket.receive_until([&](const std::string& more) { return done(received + more); }, kBound);
      return received;
    }
  };
  Follower follower(const std::string& source = "") const {
    Follower follower{RawSocket(server_->port(), source), ""};
    follower.socket.send("GET /api/v1/runs/r1/tasks/greet/logs?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    follower.received = follower.socket.receive_head(kBound);
    EXPECT_TRUE(follower.received.starts_with("HTTP/1.1 200")) << follower.received;
    return follower;
  }

  void store_running_task(int attempt = 1) {
    WriteBatch batch;
    RunRecord run;
    run.id = "r1";
    run.workflow = "hello";
    run.status = sdk::RunStatus::running;
    run.created_at = 1000;
    batch.runs.push_back(run);
    TaskRecord task;
    task.run_id = "r1";
    task.node = "greet";
    task.status = sdk::TaskStatus::running;
    task.attempt = attempt;
    batch.tasks.push_back(task);
    store_.client->write(batch);
  }

  void write_log(int attempt, const std::string& text) const {
    const auto path = task_files(state_dir_, "r1", "greet", -1, attempt).stdout_path;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::app) << text;
  }

  fs::path state_dir_;
  ApiSettings settings_;
  test::OpenedMemoryStore store_ = test::open_memory_store();
  GatedCommands commands_;
  NoCatalog catalog_;
  std::unique_ptr<ApiServer> server_;
};

// ---- request heads and bodies ----------------------------------------------

TEST_F(ApiLimitsTest, AHeadThatNeverEndsIsAnswered408AndClosed) {
  start();
  RawSocket slow(server_->port());
  slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  const auto answer = slow.receive_all(kBound);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  EXPECT_NE(answer.find("request_timeout"), std::string::npos) << answer;
}

TEST_F(ApiLimitsTest, SlowHeadsHoldNoRequestThread) {
  settings_.read_timeout = kBound;
  start();
  std::vector<RawSocket> slow;
  for (int i = 0; i < 20; ++i) {
    slow.emplace_back(server_->port());
    slow.back().send("GET /api/v1/runs HTTP/1.1\r\nHost: x\r\n");
  }
  EXPECT_EQ(call("GET", "/api/v1/runs").status, 200);  // the one request thread is free
  EXPECT_EQ(call("GET", "/healthz").status, 200);
}

TEST_F(ApiLimitsTest, ASmallBodyIsAwaitedWithoutARequestThread) {
  start();
  RawSocket slow(server_->port());
  slow.send("POST /api/v1/workflows/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"na");
  EXPECT_EQ(call("GET", "/api/v1/runs").status, 200);
  const auto answer = slow.receive_all(kBound);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
}

TEST_F(ApiLimitsTest, AHeadOverTheLimitIsRefused) {
  start();
  RawSocket huge(server_->port());
  huge.send("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(40 * 1024, 'b') + "\r\n\r\n");
  const auto answer = huge.receive_all(kBound);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer.substr(0, 200);
}

// ---- connections per client ------------------------------------------------

TEST_F(ApiLimitsTest, ConnectionsOfOneClientAreLimitedAndFreedWhenClosed) {
  settings_.max_connections_per_client = 3;
  settings_.read_timeout = kBound;
  start();
  std::vector<RawSocket> open;
  for (int i = 0; i < 3; ++i) open.emplace_back(server_->port(), "127.0.0.7");
  RawSocket fourth(server_->port(), "127.0.0.7");
  const auto refused = fourth.receive_all(kBound);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 429")) << refused;
  EXPECT_NE(refused.find("too_many_requests"), std::string::npos) << refused;

  EXPECT_EQ(call("GET", "/healthz").status, 200);  // another address (127.0.0.1) is not limited by them

  open.pop_back();  // closed: a connection from that address is served again
  std::string answer;
  EXPECT_TRUE(eventually([&] {
    RawSocket again(server_->port(), "127.0.0.7");
    again.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    answer = again.receive_head(kBound);
    return answer.starts_with("HTTP/1.1 200");
  })) << answer;
}

// ---- waiting for the scheduler ---------------------------------------------

TEST_F(ApiLimitsTest, CommandsThatGetNoAnswerAre503WhileHealthAndReadsAnswer) {
  settings_.threads = 2;
  start();
  std::vector<std::future<Reply>> posts;
  for (int i = 0; i < 3; ++i) {
    posts.push_back(std::async(std::launch::async, [this] { return call("POST", "/api/v1/workflows/hello/runs"); }));
  }
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  for (auto& post : posts) {
    const auto reply = post.get();
    EXPECT_EQ(reply.status, 503) << reply.body;
    const auto error = json::parse(reply.body)["error"];
    EXPECT_EQ(error["code"], "unavailable");
    EXPECT_TRUE(error["message"].get<std::string>().starts_with("weftd is busy: ")) << error;
  }
  // Stuck commands hold at most half of the threads: reads are still served.
  EXPECT_EQ(call("GET", "/api/v1/runs").status, 200);
}

// ---- following logs --------------------------------------------------------

TEST_F(ApiLimitsTest, FollowersHoldNoRequestThreadAndClosingThemFreesTheirSlots) {
  settings_.max_connections_per_client = 5;
  store_running_task();
  write_log(1, "one\n");
  start();
  std::vector<Follower> followers;
  for (int i = 0; i < 5; ++i) followers.push_back(follower("127.0.0.8"));
  EXPECT_EQ(call("GET", "/api/v1/runs/r1").status, 200);  // one thread, five followers
  followers.clear();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(eventually([&] {
      RawSocket again(server_->port(), "127.0.0.8");
      again.send("GET /api/v1/runs/r1/tasks/greet/logs?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n");
      if (!again.receive_head(kBound).starts_with("HTTP/1.1 200")) return false;
      followers.push_back({std::move(again), ""});
      return true;
    })) << "follower "
        << i << " was refused: the closed ones still count";
  }
}

TEST_F(ApiLimitsTest, TheSchedulersWordThatTheTaskEndedEndsTheStream) {
  store_running_task();
  write_log(1, "one\n");
  start();
  auto follower = this->follower();
  EXPECT_NE(follower.until([](const std::string& r) { return r.find("one\n") != std::string::npos; }).find("one\n"),
            std::string::npos);
  write_log(1, "two\n");
  server_->task_updated({"r1", "greet", -1, 1, sdk::TaskStatus::succeeded});  // the store still says running
  const auto all = follower.until([](const std::string& r) { return r.ends_with("0\r\n\r\n"); });
  EXPECT_NE(all.find("two\n"), std::string::npos) << all;
  EXPECT_TRUE(all.ends_with("0\r\n\r\n")) << all;
}

TEST_F(ApiLimitsTest, AFollowerMovesToTheNextAttemptsLog) {
  store_running_task();
  write_log(1, "first attempt\n");
  start();
  auto follower = this->follower();
  write_log(2, "second attempt\n");
  server_->task_updated({"r1", "greet", -1, 2, sdk::TaskStatus::running});
  server_->task_updated({"r1", "greet", -1, 2, sdk::TaskStatus::failed});
  const auto all = follower.until([](const std::string& r) { return r.ends_with("0\r\n\r\n"); });
  const auto first = all.find("first attempt\n");
  const auto second = all.find("second attempt\n");
  EXPECT_NE(first, std::string::npos) << all;
  EXPECT_NE(second, std::string::npos) << all;
  EXPECT_LT(first, second);
}

}  // namespace
}  // namespace weft::daemon
