// PolicyHook: what it asks the engine, how it reads the answer, what it does
// when there is none, and how long it reuses a decision, on an injected clock.
#include "auth/policy_hook.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace weft::daemon {
namespace {

using nlohmann::json;

class PolicyHookTest : public ::testing::Test {
 protected:
  PolicyHook hook(bool allow_on_error = false) {
    PolicySettings settings;
    settings.url = "http://policy.invalid/v1/data/weft/allow";
    settings.cache_ttl = std::chrono::milliseconds(1000);
    settings.allow_on_error = allow_on_error;
    return PolicyHook(
        settings,
        [this](const json& input) {
          ++asked_;
          asked_with_ = input;
          if (!reply_) throw std::runtime_error("timed out");
          return *reply_;
        },
        [this] { return now_; });
  }

  PolicyInput input_{"oidc:alice", {"operator"}, "POST", "/api/v1/runs/r1/cancel", "etl"};
  std::optional<json> reply_ = json{{"result", true}};
  json asked_with_;
  int asked_ = 0;
  int64_t now_ = 0;
};

TEST_F(PolicyHookTest, AsksWithOpasInputDocument) {
  auto policy = hook();
  EXPECT_TRUE(policy.decide(input_).allowed);
  EXPECT_EQ(asked_with_, (json{{"input",
                                {{"user", "oidc:alice"},
                                 {"roles", {"operator"}},
                                 {"method", "POST"},
                                 {"path", "/api/v1/runs/r1/cancel"},
                                 {"workflow", "etl"}}}}));
  input_.workflow.reset();
  policy.decide(input_);
  EXPECT_TRUE(asked_with_["input"]["workflow"].is_null());
}

TEST_F(PolicyHookTest, ADenialIsNotAFailure) {
  reply_ = json{{"result", false}};
  const auto decision = hook(true).decide(input_);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.failure, "");
}

TEST_F(PolicyHookTest, NoAnswerDecidesAsOnErrorSays) {
  reply_.reset();
  const auto denied = hook(false).decide(input_);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.failure, "timed out");
  EXPECT_TRUE(hook(true).decide(input_).allowed);
}

TEST_F(PolicyHookTest, AnUndefinedOrNonBooleanResultIsAFailure) {
  for (const json& reply : {json::object(), json{{"result", "yes"}}, json::array()}) {
    reply_ = reply;
    const auto decision = hook().decide(input_);
    EXPECT_FALSE(decision.allowed) << reply;
    EXPECT_NE(decision.failure, "") << reply;
  }
}

TEST_F(PolicyHookTest, ReusesADecisionForTheSameInputUntilItsTtlEnds) {
  auto policy = hook();
  policy.decide(input_);
  now_ = 999;
  EXPECT_TRUE(policy.decide(input_).allowed);
  EXPECT_EQ(asked_, 1);
  input_.method = "GET";  // another input is asked about
  policy.decide(input_);
  EXPECT_EQ(asked_, 2);
  now_ = 1000;
  reply_ = json{{"result", false}};
  input_.method = "POST";
  EXPECT_FALSE(policy.decide(input_).allowed);
  EXPECT_EQ(asked_, 3);
}

TEST_F(PolicyHookTest, FailuresAreNotCached) {
  auto policy = hook();
  reply_.reset();
  EXPECT_FALSE(policy.decide(input_).allowed);
  reply_ = json{{"result", true}};
  EXPECT_TRUE(policy.decide(input_).allowed);
  EXPECT_EQ(asked_, 2);
}

}  // namespace
}  // namespace weft::daemon
