// How runs come to be: created and started later, or started at once; and an
// idempotency key that makes a repeated request the same run.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <future>
#include <set>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SchedulerRunLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    // Each run leaves a file named after itself.
    weftd_.apply(workflow("traced", {sh("mark", "touch " + quoted(dir_.path()) + "/\"$WEFT_RUN_ID\"")}));
  }

  HttpResponse create_run(const json& body) const {
    return weftd_.client().post("/api/v1/workflows/traced/runs", body);
  }
  bool ran(const std::string& run_id) const { return fs::exists(dir_.path() / run_id); }

  WeftdProcess weftd_;
  TempDir dir_;
};

TEST_F(SchedulerRunLifecycle, ARunCreatedWithStartFalseStaysCreatedAndRunsNothing) {
  const auto created = create_run({{"start", false}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["status"], "created");
  const std::string run_id = created.json()["id"];
  // A run started after it goes all the way, while the created one waits.
  const auto other = weftd_.wait_run(weftd_.start_run("traced"));
  ASSERT_EQ(other["status"], "succeeded");
  EXPECT_EQ(weftd_.client().get("/api/v1/runs/" + run_id).json()["status"], "created");
  EXPECT_EQ(weftd_.tasks(run_id).at("mark")["status"], "pending");
  EXPECT_FALSE(ran(run_id));
}

TEST_F(SchedulerRunLifecycle, StartingACreatedRunRunsIt) {
  const std::string run_id = create_run({{"start", false}}).json()["id"];
  const auto started = weftd_.client().post("/api/v1/runs/" + run_id + "/start", json::object());
  EXPECT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  EXPECT_TRUE(ran(run_id));
}

TEST_F(SchedulerRunLifecycle, StartingARunThatIsNotCreatedIsAConflict) {
  const std::string run_id = weftd_.start_run("traced");
  ASSERT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  const auto started = weftd_.client().post("/api/v1/runs/" + run_id + "/start", json::object());
  EXPECT_EQ(started.status, 409) << started.body;
}

TEST_F(SchedulerRunLifecycle, TheSameIdempotencyKeyTwiceGivesTheSameRunAndRunsItOnce) {
  const auto first = create_run({{"idempotency_key", "nightly-2026-01-01"}});
  ASSERT_EQ(first.status, 201) << first.body;
  const std::string run_id = first.json()["id"];
  ASSERT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  const auto second = create_run({{"idempotency_key", "nightly-2026-01-01"}});
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json()["id"], run_id);
  EXPECT_EQ(weftd_.client().get("/api/v1/runs?workflow=traced").json()["items"].size(), 1u);
}

// Keys of runs weftd starts itself: a request using one would make weftd
// take its run for a schedule's firing, a queue's delivery or a child.
TEST_F(SchedulerRunLifecycle, IdempotencyKeysOfWeftdsOwnRunsAreRefused) {
  for (const std::string key : {"schedule:traced@2026-01-01T00:00:00Z", "queue:jobs/1/m-1", "child:r/n/-1/1"}) {
    const auto refused = create_run({{"idempotency_key", key}});
    EXPECT_EQ(refused.status, 400) << key << ": " << refused.body;
    EXPECT_EQ(refused.json()["error"]["details"][0]["path"], "/idempotency_key") << refused.body;
  }
  EXPECT_EQ(create_run({{"idempotency_key", "children:nightly"}}).status, 201);
}

// The requests race each other into weftd; a few rounds with a key each give
// the race a fair chance to show.
TEST_F(SchedulerRunLifecycle, ConcurrentRequestsWithTheSameIdempotencyKeyCreateOneRun) {
  constexpr int rounds = 20;
  for (int round = 0; round < rounds; ++round) {
    const std::string key = "round-" + std::to_string(round);
    std::vector<std::future<HttpResponse>> requests;
    for (int i = 0; i < 8; ++i) {
      requests.push_back(std::async(std::launch::async, [&] { return create_run({{"idempotency_key", key}}); }));
    }
    std::set<std::string> ids;
    for (auto& request : requests) {
      const auto response = request.get();
      EXPECT_TRUE(response.status == 201 || response.status == 200) << response.status << " " << response.body;
      ids.insert(response.json().value("id", ""));
    }
    EXPECT_EQ(ids.size(), 1u) << "key " << key;
  }
  EXPECT_EQ(weftd_.client().get("/api/v1/runs?workflow=traced&limit=100").json()["items"].size(), size_t{rounds});
}

}  // namespace
}  // namespace weft::test
