// The authorization hook (api.policy): a real weftd asks a policy engine
// that speaks Open Policy Agent's data API (a fake the test runs, over
// HTTPS) about each authorized request, follows its decision, reuses it for
// the same input, and decides as api.policy.on_error says when the engine
// does not answer in time.
#include "api_test_helpers.hpp"
#include "identity_servers.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class ApiPolicy : public ::testing::Test {
 protected:
  WeftdOptions options() const {
    WeftdOptions options;
    options.config = {{"api",
                       {{"policy",
                         {{"url", policy_.url()},
                          {"ca_file", policy_.ca_file().string()},
                          {"timeout_s", 1},
                          {"cache_ttl_ms", 60'000}}}}}};
    return options;
  }

  // The policy: no deleting workflows.
  TempDir dir_;
  fakes::PolicyServer policy_{dir_.path(), [](const json& input) { return input.value("method", "") != "DELETE"; }};
  WeftdProcess weftd_{options()};
  HttpClient client_ = weftd_.client();
};

TEST_F(ApiPolicy, TheEngineIsToldWhoAsksForWhatOnWhichWorkflow) {
  ASSERT_EQ(client_.post("/api/v1/workflows", workflow("guarded", {noop("a")})).status, 201);
  const auto admin_id = policy_.last_input()["user"];
  EXPECT_EQ(policy_.last_input(), (json{{"user", admin_id},
                                        {"roles", {"admin"}},
                                        {"method", "POST"},
                                        {"path", "/api/v1/workflows"},
                                        {"workflow", nullptr}}));
  const auto run = client_.post("/api/v1/workflows/guarded/runs");
  ASSERT_EQ(run.status, 201) << run.body;
  EXPECT_EQ(policy_.last_input()["workflow"], "guarded");
  EXPECT_EQ(policy_.last_input()["path"], "/api/v1/workflows/guarded/runs");

  // A request on a run names the run's workflow too.
  const std::string run_id = run.json()["id"];
  EXPECT_EQ(client_.get("/api/v1/runs/" + run_id).status, 200);
  EXPECT_EQ(policy_.last_input()["workflow"], "guarded");
  EXPECT_EQ(policy_.last_input()["path"], "/api/v1/runs/" + run_id);
}

TEST_F(ApiPolicy, ADeniedRequestIs403SayingThePolicyDeniedIt) {
  ASSERT_EQ(client_.post("/api/v1/workflows", workflow("kept", {noop("a")})).status, 201);
  const auto denied = client_.del("/api/v1/workflows/kept");
  ASSERT_EQ(denied.status, 403) << denied.body;
  EXPECT_THAT(denied.json()["error"]["message"].get<std::string>(), HasSubstr("the policy (api.policy) denied"));
  EXPECT_EQ(client_.get("/api/v1/workflows/kept").status, 200);
  EXPECT_EQ(client_.get("/healthz").status, 200);  // asks no one
}

TEST_F(ApiPolicy, ADecisionIsReusedForTheSameInput) {
  ASSERT_EQ(client_.get("/api/v1/workflows").status, 200);
  const uint64_t asked = policy_.asked();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client_.get("/api/v1/workflows").status, 200);
  EXPECT_EQ(policy_.asked(), asked);
  ASSERT_EQ(client_.get("/api/v1/runs").status, 200);  // another path: another input
  EXPECT_EQ(policy_.asked(), asked + 1);
}

TEST_F(ApiPolicy, AnEngineTooSlowToAnswerDeniesUnlessOnErrorAllows) {
  // Poco's TLS reads wait out the timeout twice before they give up.
  policy_.set_delay(std::chrono::milliseconds(2500));
  const auto denied = client_.get("/api/v1/workflows");
  ASSERT_EQ(denied.status, 403) << denied.body;
  EXPECT_THAT(denied.json()["error"]["message"].get<std::string>(), HasSubstr("did not decide"));
  EXPECT_THAT(weftd_.log(), HasSubstr("the policy engine (api.policy) did not decide"));
  // The client's own error names what it could not reach: the engine, not weftd.
  EXPECT_THAT(weftd_.log(), HasSubstr("the policy engine at " + policy_.url()));

  json config = json::parse(std::ifstream(weftd_.config_path()));
  config["api"]["policy"]["on_error"] = "allow";
  std::ofstream(weftd_.config_path()) << config.dump(2);
  ASSERT_EQ(::kill(weftd_.pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return client_.get("/api/v1/workflows").status == 200; })) << weftd_.log();
}

}  // namespace
}  // namespace weft::test
