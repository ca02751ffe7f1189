// The http node type through a real weftd over HTTP: its example workflow
// calls a server this test runs, with a bearer token from weftd's
// node_types config, and the next node reads a field of the reply; the token
// reaches the server and nothing weftd keeps; bad params are refused when
// the workflow is stored.
#include <gtest/gtest.h>

#include <fake_https_server.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "api_test_helpers.hpp"

namespace weft::test {
namespace {

using fakes::FakeHttpsServer;
using fakes::FakeReply;
using fakes::FakeRequest;
using nlohmann::json;

constexpr const char* kToken = "e2e-token-9d2f41b7";

class HttpNode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new FakeHttpsServer(&answer, [](int status, const std::string& message) {
      return FakeReply{status, "text/plain", message, {}};
    });
    WeftdOptions options;
    options.config = {{"node_types", {{"http", {{"secrets", {{"api_token", {{"env", "WEFT_TEST_API_TOKEN"}}}}}}}}}};
    options.env = {{"WEFT_TEST_API_TOKEN", kToken}};
    weftd_ = new WeftdProcess(options);
    weftd_->apply(example_workflow("http"));
  }
  static void TearDownTestSuite() {
    delete weftd_;
    delete server_;
  }

  // The API the example calls: /items/<id> for a caller with the token.
  static FakeReply answer(const FakeRequest& request) {
    {
      const std::lock_guard lock(mutex_);
      authorizations_.push_back(request.header("authorization"));
    }
    if (request.header("authorization") != std::string("Bearer ") + kToken) return {401, "text/plain", "who?", {}};
    if (request.path != "/items/42") return {404, "application/json", R"({"error": "no such item"})", {}};
    return {200, "application/json", R"({"id": 42, "field": "widget"})", {}};
  }

  // Every byte weftd keeps: its database, task files and log.
  static std::string everything_weftd_keeps() {
    std::string all = weftd_->log();
    for (const auto& entry : std::filesystem::recursive_directory_iterator(weftd_->state_dir())) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      all += text.str();
    }
    return all;
  }

  static inline FakeHttpsServer* server_ = nullptr;
  static inline WeftdProcess* weftd_ = nullptr;
  static inline std::mutex mutex_;
  static inline std::vector<std::string> authorizations_;
};

TEST_F(HttpNode, TheExampleCallsTheApiWithTheTokenAndTheNextNodeReadsTheReply) {
  const auto run = weftd_->wait_run(weftd_->start_run("http", {{"base_url", server_->url()}}));
  ASSERT_EQ(run["status"], "succeeded") << run;
  EXPECT_EQ(weftd_->results(run["id"])["outputs"]["report"], json({{"field", "widget"}, {"status", 200}}));
  {
    const std::lock_guard lock(mutex_);
    ASSERT_FALSE(authorizations_.empty());
    EXPECT_EQ(authorizations_.back(), std::string("Bearer ") + kToken);
  }
  const std::string kept = everything_weftd_keeps();
  EXPECT_NE(kept.find("widget"), std::string::npos) << "the search below looks where the run's output is";
  EXPECT_EQ(kept.find(kToken), std::string::npos) << "weftd stored or logged the token";
}

TEST_F(HttpNode, AnUnexpectedStatusFailsTheTaskWithTheStatusAndTheBody) {
  const auto run = weftd_->wait_run(weftd_->start_run("http", {{"base_url", server_->url()}, {"item", "7"}}));
  EXPECT_EQ(run["status"], "failed") << run;
  const auto task = weftd_->tasks(run["id"]).at("call");
  EXPECT_EQ(task["status"], "failed");
  EXPECT_EQ(task["error"], "GET " + server_->url() + "/items/7: HTTP 404 (expected 200): {\"error\": \"no such item\"}")
      << task;
}

TEST_F(HttpNode, AnUnknownSecretIsRefusedWhenTheWorkflowIsStored) {
  const json document = {
      {"name", test_workflow_name()},
      {"nodes",
       {{{"id", "call"},
         {"type", "http"},
         {"params", {{"url", "https://example.com/"}, {"secret_headers", {{"Authorization", "Bearer ${nope}"}}}}}}}}};
  const auto response = weftd_->client().post("/api/v1/workflows", document);
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/params/secret_headers/Authorization"));
  EXPECT_EQ(detail_message(response, "/nodes/0/params/secret_headers/Authorization"),
            "node 'call' params/secret_headers/Authorization: refers to secret 'nope', which the http plugin's "
            "config does not declare (it has api_token)");
}

}  // namespace
}  // namespace weft::test
