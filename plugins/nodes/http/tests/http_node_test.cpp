// The http node type, loaded from its built plugin file and driven through
// the C vtable as weftd drives it, against a real HTTP and HTTPS server in
// this process: bodies, statuses, secrets, TLS, timeout, cancel and limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <fake_https_server.hpp>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <weft/harness/weftd_process.hpp>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>
#include <weft/sdk/testing/node_under_test.hpp>

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using weft::fakes::FakeHttpsServer;
using weft::fakes::FakeReply;
using weft::fakes::FakeRequest;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;
using weft::sdk::testing::RecordedEvent;

constexpr const char* kToken = "tok-3f9a7c1e-secret";
constexpr std::size_t kMaxResponseBytes = 4096;

// What the servers answer, by path; the requests they saw.
class Api {
 public:
  FakeReply answer(const FakeRequest& request) {
    {
      const std::lock_guard lock(mutex_);
      seen_.push_back(request);
    }
    changed_.notify_all();
    if (request.path == "/item") return {200, "application/json", R"({"field": "value", "n": 3})", {{"X-Item", "7"}}};
    if (request.path == "/text") return {200, "text/plain", "hello\n", {}};
    if (request.path == "/missing") return {404, "text/plain", "no item 42 here", {}};
    if (request.path == "/big") return {200, "text/plain", std::string(kMaxResponseBytes + 1, 'x'), {}};
    if (request.path == "/echo") {
      // As a debug endpoint would: the request's headers back, in the body and a header.
      const json echoed = {{"method", request.method},
                           {"body", request.body},
                           {"content_type", request.header("content-type")},
                           {"authorization", request.header("authorization")}};
      return {200, "application/json", echoed.dump(), {{"X-Seen-Authorization", request.header("authorization")}}};
    }
    if (request.path == "/slow") {
      std::unique_lock lock(mutex_);
      const int release = releases_;
      changed_.wait_for(lock, 15s, [&] { return releases_ != release; });
      return {200, "text/plain", "late", {}};
    }
    return {500, "text/plain", "unknown path " + request.path, {}};
  }
  static FakeReply error(int status, const std::string& message) { return {status, "text/plain", message, {}}; }

  // Waits until the servers saw a request for path.
  bool wait_for(const std::string& path) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] {
      return std::any_of(seen_.begin(), seen_.end(), [&](const FakeRequest& r) { return r.path == path; });
    });
  }
  FakeRequest last(const std::string& path) {
    const std::lock_guard lock(mutex_);
    for (auto it = seen_.rbegin(); it != seen_.rend(); ++it) {
      if (it->path == path) return *it;
    }
    throw std::runtime_error("no request for " + path);
  }
  // Lets the /slow requests under way answer, so that their server threads are free.
  void release() {
    {
      const std::lock_guard lock(mutex_);
      ++releases_;
    }
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<FakeRequest> seen_;
  int releases_ = 0;
};

// The servers are made once: each makes a key and certificate.
class HttpNodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("WEFT_HTTP_TEST_TOKEN", kToken, 1);
    api_ = new Api;
    dir_ = new weft::harness::TempDir;
    http_ = new FakeHttpsServer([](const FakeRequest& r) { return api_->answer(r); }, &Api::error);
    https_ = new FakeHttpsServer(
        dir_->path(), [](const FakeRequest& r) { return api_->answer(r); }, &Api::error);
  }
  static void TearDownTestSuite() {
    api_->release();
    delete https_;
    delete http_;
    delete dir_;
    delete api_;
  }
  void TearDown() override { api_->release(); }

  // Plans params as a task of its own and waits for the FINISHED the plugin reports.
  RecordedEvent call(const json& params) {
    auto task = weft::sdk::testing::task_for(params);
    const std::string key = "run-1/call/-1/" + std::to_string(++attempts_);
    task.task_key = key;
    const auto planned = node_.plan(task);
    EXPECT_EQ(planned.kind, WEFT_PLAN_PENDING) << planned.error;
    const auto finished = host_.wait_for_finished(key);
    if (!finished) throw std::runtime_error("no FINISHED for " + key);
    return *finished;
  }
  json output_of(const json& params) {
    const auto finished = call(params);
    EXPECT_EQ(finished.exit_code, 0) << finished.error;
    return finished.output_json.empty() ? json() : json::parse(finished.output_json);
  }
  std::string error_of(const json& params) {
    const auto finished = call(params);
    EXPECT_NE(finished.exit_code, 0) << finished.output_json;
    return finished.error;
  }

  int attempts_ = 0;
  static inline Api* api_ = nullptr;
  static inline weft::harness::TempDir* dir_ = nullptr;
  static inline FakeHttpsServer* http_ = nullptr;
  static inline FakeHttpsServer* https_ = nullptr;
  FakeHost host_;
  LoadedPlugin plugin_{WEFT_PLUGIN_FILE};
  NodeUnderTest node_{plugin_, "http", host_,
                      json({{"secrets", {{"token", {{"env", "WEFT_HTTP_TEST_TOKEN"}}}}},
                            {"workers", 1},
                            {"max_response_bytes", kMaxResponseBytes}})
                          .dump()};
};

TEST_F(HttpNodeTest, AJsonReplyIsParsedWithItsStatusAndHeaders) {
  const auto output = output_of({{"url", http_->url() + "/item"}});
  EXPECT_EQ(output["status"], 200);
  EXPECT_EQ(output["body"], json::parse(R"({"field": "value", "n": 3})"));
  EXPECT_EQ(output["headers"]["x-item"], "7");
  EXPECT_EQ(output["headers"]["content-type"], "application/json");
}

TEST_F(HttpNodeTest, ATextReplyStaysText) {
  EXPECT_EQ(output_of({{"url", http_->url() + "/text"}})["body"], "hello\n");
}

TEST_F(HttpNodeTest, AJsonBodyIsSentAsJsonAndATextBodyAsText) {
  auto echoed = output_of({{"method", "POST"}, {"url", http_->url() + "/echo"}, {"json", {{"a", 1}}}})["body"];
  EXPECT_EQ(echoed["method"], "POST");
  EXPECT_EQ(json::parse(echoed["body"].get<std::string>()), json({{"a", 1}}));
  EXPECT_EQ(echoed["content_type"], "application/json");

  echoed = output_of({{"method", "PUT"}, {"url", http_->url() + "/echo"}, {"body", "plain words"}})["body"];
  EXPECT_EQ(echoed["body"], "plain words");
  EXPECT_EQ(echoed["content_type"], "text/plain; charset=utf-8");
}

TEST_F(HttpNodeTest, AnUnexpectedStatusFailsWithTheStatusAndTheBodysStart) {
  EXPECT_EQ(error_of({{"url", http_->url() + "/missing"}}),
            "GET " + http_->url() + "/missing: HTTP 404 (expected 2xx): no item 42 here");
  const auto output = output_of({{"url", http_->url() + "/missing"}, {"expected_status", {200, 404}}});
  EXPECT_EQ(output["status"], 404);
  EXPECT_EQ(output["body"], "no item 42 here");
}

TEST_F(HttpNodeTest, ASecretHeaderReachesTheServerButNotTheOutputOrTheLogs) {
  const json params = {{"url", http_->url() + "/echo"}, {"secret_headers", {{"Authorization", "Bearer ${token}"}}}};
  const auto finished = call(params);
  ASSERT_EQ(finished.exit_code, 0) << finished.error;
  EXPECT_EQ(api_->last("/echo").header("authorization"), std::string("Bearer ") + kToken);

  EXPECT_THAT(finished.output_json, Not(HasSubstr(kToken)));
  const auto output = json::parse(finished.output_json);
  EXPECT_EQ(output["body"]["authorization"], "Bearer [redacted]");
  EXPECT_EQ(output["headers"]["x-seen-authorization"], "Bearer [redacted]");
  EXPECT_THAT(params.dump(), Not(HasSubstr(kToken))) << "the params, as stored, name the secret only";
  for (const auto& line : host_.logs()) EXPECT_THAT(line.message, Not(HasSubstr(kToken)));
}

TEST_F(HttpNodeTest, HttpsWorksWithTheServersCaFileAndRefusesAnUnknownCa) {
  const json get = {{"url", https_->url() + "/item"}, {"ca_file", https_->ca_file().string()}};
  EXPECT_EQ(output_of(get)["body"]["field"], "value");

  const std::string refused = error_of({{"url", https_->url() + "/item"}});
  EXPECT_THAT(refused, HasSubstr("GET " + https_->url() + "/item: "));
  EXPECT_THAT(refused, HasSubstr("certificate verify failed"));

  EXPECT_EQ(output_of({{"url", https_->url() + "/item"}, {"verify_tls", false}})["status"], 200);
  EXPECT_THAT(host_.logs().back().message, HasSubstr("TLS verification is off for " + https_->url()));
}

TEST_F(HttpNodeTest, ATimeoutEndsTheTaskWithAnError) {
  EXPECT_EQ(error_of({{"url", http_->url() + "/slow"}, {"timeout_s", 0.3}}), "timed out after 0.300 s");
}

TEST_F(HttpNodeTest, CancelEndsTheRequestAndFreesItsWorker) {
  auto task = weft::sdk::testing::task_for({{"url", http_->url() + "/slow"}});
  task.task_key = "run-1/slow/-1/1";
  ASSERT_EQ(node_.plan(task).kind, WEFT_PLAN_PENDING);
  ASSERT_TRUE(api_->wait_for("/slow"));
  weft_error err{};
  ASSERT_EQ(node_.vtable().cancel(node_.object(), weft::sdk::str(task.task_key), &err), WEFT_OK) << err.message;
  const auto cancelled = host_.wait_for_finished(task.task_key);
  ASSERT_TRUE(cancelled);
  EXPECT_NE(cancelled->exit_code, 0);
  EXPECT_EQ(cancelled->error, "cancelled");
  // The node type has one worker: the next request goes out only if the slow one was stopped.
  auto next = weft::sdk::testing::task_for({{"url", http_->url() + "/text"}});
  next.task_key = "run-1/next/-1/1";
  ASSERT_EQ(node_.plan(next).kind, WEFT_PLAN_PENDING);
  const auto finished = host_.wait_for_finished(next.task_key, 5s);
  ASSERT_TRUE(finished) << "the cancelled request still holds the worker";
  EXPECT_EQ(finished->exit_code, 0) << finished->error;
  EXPECT_EQ(host_.events_for(task.task_key).size(), 1U) << "a cancelled call is reported once";
}

TEST_F(HttpNodeTest, DestroyingTheNodeTypeStopsTheRequestsUnderWay) {
  auto node = std::make_unique<NodeUnderTest>(plugin_, "http", host_);
  auto task = weft::sdk::testing::task_for({{"url", http_->url() + "/slow"}});
  task.task_key = "run-1/stopping/-1/1";
  ASSERT_EQ(node->plan(task).kind, WEFT_PLAN_PENDING);
  ASSERT_TRUE(api_->wait_for("/slow"));
  // As weftd shuts down: the object goes while its request waits for a reply.
  auto destroyed = std::async(std::launch::async, [&node] { node.reset(); });
  const bool stopped = destroyed.wait_for(10s) == std::future_status::ready;
  api_->release();
  EXPECT_TRUE(stopped) << "destroy waited for the server's reply";
  destroyed.wait();
  EXPECT_TRUE(host_.events_for(task.task_key).empty()) << "nothing is reported once the host destroys the object";
}

TEST_F(HttpNodeTest, AReplyLargerThanTheLimitFailsTheTask) {
  EXPECT_THAT(error_of({{"url", http_->url() + "/big"}}),
              HasSubstr("the response body is larger than 4096 bytes (the http plugin's max_response_bytes)"));
}

TEST_F(HttpNodeTest, AServerThatIsNotThereFailsTheTaskSayingSo) {
  EXPECT_THAT(error_of({{"url", "http://127.0.0.1:1/x"}}), HasSubstr("GET http://127.0.0.1:1/x: "));
}

TEST_F(HttpNodeTest, ParamsThatRenderWrongFailThePlan) {
  const auto planned = node_.plan_for({{"url", "not a url"}});
  EXPECT_EQ(planned.kind, WEFT_PLAN_FAILED);
  EXPECT_THAT(planned.error, HasSubstr("/url must start with http:// or https://"));
}

}  // namespace
