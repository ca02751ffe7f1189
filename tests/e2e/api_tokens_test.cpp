// Tokens over real HTTP against a real weftd: the admin issues tokens of each
// role, scoped to workflows or not; each may do what its role allows and is
// refused the rest with a 403 naming the role or scope needed; a revoked or
// expired token is refused; and the audit log tells who did what.
#include "api_test_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class Tokens : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(admin.post("/api/v1/workflows", shell_workflow(name + "-etl", "true")).status, 201);
    ASSERT_EQ(admin.post("/api/v1/workflows", shell_workflow(name + "-other", "true")).status, 201);
  }

  // A new token's {secret, id}.
  std::pair<std::string, std::string> issue(const json& request) const {
    const auto created = admin.post("/api/v1/tokens", request);
    EXPECT_EQ(created.status, 201) << created.body;
    const auto body = created.json();
    return {body.at("token").get<std::string>(), body.at("id").get<std::string>()};
  }
  HttpClient holder(const std::string& secret) const { return HttpClient(weftd.port(), secret); }
  static std::string message_of(const HttpResponse& response) {
    return response.json().at("error").at("message").get<std::string>();
  }
  // The first audit entry (newest first) that matches, once the journal has
  // stored it: entries go with its next batch, a few ms after the request.
  json audited(const std::function<bool(const json&)>& matches, const std::string& what) const {
    for (int i = 0; i < 200; ++i) {
      const json page = admin.get("/api/v1/audit?limit=1000").json();
      for (const auto& entry : page.at("items")) {
        if (matches(entry)) return entry;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "no audit entry for " << what;
    return json::object();
  }
  json audited(const std::string& action, const std::string& target) const {
    return audited([&](const json& e) { return e["action"] == action && e["target"] == target; },
                   action + " " + target);
  }
  json audited_of_token(const std::string& token_id, const std::string& action) const {
    return audited([&](const json& e) { return e["action"] == action && e["token_id"] == token_id; },
                   action + " by token " + token_id);
  }

  const WeftdProcess& weftd = shared_weftd();
  HttpClient admin = weftd.client();
  const std::string name = test_workflow_name();
};

TEST_F(Tokens, AViewerReadsButCannotStartARunAndTheRefusalNamesOperator) {
  const auto [secret, id] = issue({{"role", "viewer"}, {"description", "dashboards"}});
  const HttpClient viewer = holder(secret);
  EXPECT_EQ(viewer.get("/api/v1/runs").status, 200);
  EXPECT_EQ(viewer.get("/api/v1/workflows/" + name + "-etl").status, 200);
  const auto refused = viewer.post("/api/v1/workflows/" + name + "-etl/runs");
  ASSERT_TRUE(is_api_error(refused, 403, "forbidden"));
  EXPECT_THAT(message_of(refused), HasSubstr("'operator'"));

  const auto refusal = audited_of_token(id, "run.create");
  EXPECT_EQ(refusal.value("role", ""), "viewer");
  EXPECT_EQ(refusal.value("status", 0), 403);
  EXPECT_EQ(refusal.value("target", ""), name + "-etl");
  EXPECT_THAT(refusal.value("message", ""), HasSubstr("'operator'"));
}

TEST_F(Tokens, AnOperatorRunsWorkflowsButCannotIssueTokensAndTheRefusalNamesAdmin) {
  const auto [secret, id] = issue({{"role", "operator"}});
  const HttpClient operator_ = holder(secret);
  const auto created = operator_.post("/api/v1/workflows/" + name + "-etl/runs");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string run_id = created.json().at("id");
  const auto refused = operator_.post("/api/v1/tokens", json{{"role", "admin"}});
  ASSERT_TRUE(is_api_error(refused, 403, "forbidden"));
  EXPECT_THAT(message_of(refused), HasSubstr("'admin'"));
  EXPECT_TRUE(is_api_error(operator_.get("/api/v1/audit"), 403, "forbidden"));

  EXPECT_EQ(audited_of_token(id, "token.create").value("status", 0), 403);
  const auto ran = audited_of_token(id, "run.create");
  EXPECT_EQ(ran.value("target", ""), run_id);
  EXPECT_EQ(ran.value("status", 0), 201);
  EXPECT_EQ(ran.value("role", ""), "operator");
  weftd.wait_run(run_id);
}

TEST_F(Tokens, AScopedTokenRunsAMatchingWorkflowAndIsRefusedAnotherNamingItsPattern) {
  const std::string pattern = name + "-e*";
  const auto [secret, id] = issue({{"role", "operator"}, {"workflows", pattern}});
  const HttpClient scoped = holder(secret);
  const auto created = scoped.post("/api/v1/workflows/" + name + "-etl/runs", json{{"start", false}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string run_id = created.json().at("id");
  const auto refused = scoped.post("/api/v1/workflows/" + name + "-other/runs");
  ASSERT_TRUE(is_api_error(refused, 403, "forbidden"));
  EXPECT_THAT(message_of(refused), HasSubstr("'" + pattern + "'"));

  // A run of another workflow is out of scope too, whoever created it.
  const auto other = admin.post("/api/v1/workflows/" + name + "-other/runs", json{{"start", false}});
  ASSERT_EQ(other.status, 201) << other.body;
  const std::string other_id = other.json().at("id");
  EXPECT_TRUE(is_api_error(scoped.post("/api/v1/runs/" + other_id + "/start"), 403, "forbidden"));
  EXPECT_EQ(scoped.post("/api/v1/runs/" + run_id + "/start").status, 202);
  EXPECT_EQ(admin.post("/api/v1/runs/" + other_id + "/start").status, 202);
  weftd.wait_run(run_id);
  weftd.wait_run(other_id);
}

TEST_F(Tokens, ARevokedTokenIsRefusedAtOnceAndListedAsRevokedWithoutItsSecret) {
  const auto [secret, id] = issue({{"role", "viewer"}, {"description", "to revoke"}});
  const HttpClient viewer = holder(secret);
  ASSERT_EQ(viewer.get("/api/v1/runs").status, 200);
  const auto revoked = admin.del("/api/v1/tokens/" + id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.json().at("revoked"), true);
  EXPECT_TRUE(is_api_error(viewer.get("/api/v1/runs"), 401, "unauthorized"));

  const auto listed = admin.get("/api/v1/tokens");
  ASSERT_EQ(listed.status, 200);
  EXPECT_THAT(listed.body, ::testing::Not(HasSubstr(secret)));
  const auto items = listed.json().at("items");
  const auto mine = std::find_if(items.begin(), items.end(), [&id = id](const json& t) { return t["id"] == id; });
  ASSERT_NE(mine, items.end());
  EXPECT_EQ(mine->at("revoked"), true);
  EXPECT_EQ(mine->at("description"), "to revoke");
  EXPECT_FALSE(mine->contains("hash"));
  EXPECT_FALSE(mine->contains("token"));
  EXPECT_EQ(audited("token.revoke", id).value("status", 0), 200);
}

// The expiry itself is on virtual time in tests/unit/api/token_verifier_test.cpp;
// here, that the API says so. The wait is for the token to expire, not a bound.
TEST_F(Tokens, AnExpiredTokenIsRefusedSayingItExpired) {
  const auto [secret, id] = issue({{"role", "viewer"}, {"expires_in_s", 1}});
  const HttpClient viewer = holder(secret);
  HttpResponse answer = viewer.get("/api/v1/runs");
  for (int i = 0; i < 100 && answer.status == 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    answer = viewer.get("/api/v1/runs");
  }
  ASSERT_TRUE(is_api_error(answer, 401, "unauthorized"));
  EXPECT_THAT(message_of(answer), HasSubstr("expired"));
}

TEST_F(Tokens, BadRequestsAreRefusedNamingTheFieldAndIssueNothing) {
  const size_t before = admin.get("/api/v1/tokens").json().at("items").size();
  EXPECT_TRUE(is_api_error(admin.post("/api/v1/tokens", json{{"role", "root"}}), 400, "invalid_request", "/role"));
  EXPECT_TRUE(is_api_error(admin.post("/api/v1/tokens", json::object()), 400, "invalid_request", "/role"));
  EXPECT_TRUE(is_api_error(admin.post("/api/v1/tokens", json{{"role", "viewer"}, {"workflows", "etl-[ab"}}), 400,
                           "invalid_request", "/workflows"));
  EXPECT_TRUE(
      is_api_error(admin.post("/api/v1/tokens", json{{"role", "viewer"}, {"expires_at", "2001-01-01T00:00:00Z"}}), 400,
                   "invalid_request", "/expires_at"));
  EXPECT_TRUE(is_api_error(admin.post("/api/v1/tokens", json{{"role", "viewer"}, {"expires_at", "tomorrow"}}), 400,
                           "invalid_request", "/expires_at"));
  EXPECT_TRUE(is_api_error(admin.post("/api/v1/tokens", json{{"role", "viewer"}, {"expires_in_s", 0}}), 400,
                           "invalid_request", "/expires_in_s"));
  EXPECT_TRUE(
      is_api_error(admin.post("/api/v1/tokens", json{{"role", "viewer"}, {"owner", "me"}}), 400, "invalid_request"));
  EXPECT_TRUE(is_api_error(admin.del("/api/v1/tokens/no-such-token"), 404, "not_found"));
  EXPECT_EQ(admin.get("/api/v1/tokens").json().at("items").size(), before);
}

TEST_F(Tokens, AnExpiryAtATimeIsKeptAndShown) {
  const auto created = admin.post("/api/v1/tokens", json{{"role", "viewer"}, {"expires_at", "2099-06-30T12:00:00Z"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json().at("expires_at"), "2099-06-30T12:00:00.000Z");
  EXPECT_EQ(holder(created.json().at("token")).get("/api/v1/runs").status, 200);
}

TEST_F(Tokens, TheAuditLogPagesNewestFirstWithoutRepeats) {
  const auto [secret, id] = issue({{"role", "viewer"}});
  const HttpClient viewer = holder(secret);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(viewer.post("/api/v1/workflows/" + name + "-etl/runs").status, 403);
  audited_of_token(id, "run.create");
  std::vector<std::string> ids;
  std::string before;
  for (int page = 0; page < 4; ++page) {
    const auto answer = admin.get("/api/v1/audit?limit=2" + (before.empty() ? "" : "&before=" + before));
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto body = answer.json();
    const size_t count = body.at("items").size();
    for (const auto& entry : body.at("items")) ids.push_back(entry.at("id"));
    if (body.at("next_cursor").is_null()) {
      EXPECT_TRUE(count == 1 || count == 2) << "the last page holds what is left: " << count;
      break;
    }
    EXPECT_EQ(count, 2U) << "a page before the last is full";
    before = body.at("next_cursor");
  }
  ASSERT_GE(ids.size(), 4U);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i - 1], ids[i]) << "not newest first without repeats";
}

}  // namespace
}  // namespace weft::test
