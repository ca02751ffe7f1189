// POST /runs/{id}/retry: a failed run runs its failed and upstream-failed
// tasks again, keeps what succeeded, and can end succeeded; only a failed (or
// cancelled) run can be retried.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SchedulerRunRetry : public ::testing::Test {
 protected:
  // prepare -> check -> report; check fails until the test creates `fixed_`.
  json chain() const {
    const std::string fixed = quoted(fixed_);
    return workflow(
        "retry-chain",
        {sh("prepare", record_run_in(ran_) + "; echo '{\"base\": 5}' > \"$WEFT_OUTPUT\""),
         sh("check", record_run_in(ran_) + "; [ -e " + fixed + " ] || exit 1; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"",
            {"{{ nodes.prepare.output.base }}"})
             .after({"prepare"}),
         sh("report", record_run_in(ran_) + "; echo $(($1 * 2)) > \"$WEFT_OUTPUT\"", {"{{ nodes.check.output }}"})
             .after({"check"})});
  }

  // Runs `document` until it fails, with the cause fixed afterwards.
  std::string failed_run(const json& document) {
    std::string run_id = weftd_.start_adhoc(document);
    EXPECT_EQ(weftd_.wait_run(run_id)["status"], "failed");
    std::ofstream(fixed_).put('\n');
    return run_id;
  }

  HttpResponse retry(const std::string& run_id) const {
    return weftd_.client().post("/api/v1/runs/" + run_id + "/retry", json::object());
  }

  WeftdProcess weftd_;
  TempDir dir_;
  fs::path ran_ = dir_.path() / "ran";
  fs::path fixed_ = dir_.path() / "fixed";
};

TEST_F(SchedulerRunRetry, RetryRunsTheFailedAndUpstreamFailedTasksAgainAndTheRunSucceeds) {
  const std::string run_id = failed_run(chain());
  const auto before = weftd_.tasks(run_id);
  ASSERT_EQ(before.at("check")["status"], "failed");
  ASSERT_EQ(before.at("report")["status"], "upstream_failed");

  const auto response = retry(run_id);
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  EXPECT_EQ(count_lines(ran_, "check"), 2);
  EXPECT_EQ(count_lines(ran_, "report"), 1);
  const auto outputs = weftd_.results(run_id)["outputs"];
  EXPECT_EQ(outputs["check"], 6);
  EXPECT_EQ(outputs["report"], 12);
}

TEST_F(SchedulerRunRetry, RetryKeepsSucceededTasksAndTheirOutputsWithoutRunningThemAgain) {
  const std::string run_id = failed_run(chain());
  ASSERT_EQ(retry(run_id).status, 202);
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  EXPECT_EQ(count_lines(ran_, "prepare"), 1);
  EXPECT_EQ(weftd_.tasks(run_id).at("prepare")["status"], "succeeded");
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["prepare"], json({{"base", 5}}));
}

TEST_F(SchedulerRunRetry, RetryRunsOnlyTheFailedElementsOfAForEachNodeWithTheirItems) {
  const auto document = workflow(
      "retry-fan",
      {sh("fan",
          record_run_in(ran_) + "; [ \"$1\" != 20 ] || [ -e " + quoted(fixed_) + " ] || exit 1; " + kOutputFirstArg,
          {"{{ item }}"})
           .for_each("{{ params.items }}")},
      {{"params", {{"items", {10, 20, 30}}}}});
  const std::string run_id = failed_run(document);
  ASSERT_EQ(retry(run_id).status, 202);
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << json(weftd_.tasks(run_id)).dump(1);
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["fan"], json({10, 20, 30}));
  EXPECT_EQ(count_lines(ran_, "fan[0]"), 1);
  EXPECT_EQ(count_lines(ran_, "fan[1]"), 2);
  EXPECT_EQ(count_lines(ran_, "fan[2]"), 1);
}

TEST_F(SchedulerRunRetry, RetryRunsTheTasksOfACancelledRunAgain) {
  const auto document =
      workflow("retry-cancelled",
               {sh("wait", record_run_in(ran_) + "; " + wait_for_file(fixed_) + "; echo 7 > \"$WEFT_OUTPUT\""),
                sh("after", record_run_in(ran_)).after({"wait"})});
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return count_lines(ran_, "wait") == 1; }));
  ASSERT_EQ(weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object()).status, 202);
  ASSERT_EQ(weftd_.wait_run(run_id)["status"], "cancelled");
  std::ofstream(fixed_).put('\n');

  const auto response = retry(run_id);
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << json(weftd_.tasks(run_id)).dump(1);
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["wait"], 7);
  EXPECT_EQ(count_lines(ran_, "after"), 1);
}

TEST_F(SchedulerRunRetry, RetryOfARunningRunIsAConflict) {
  const fs::path release = dir_.path() / "release";
  const std::string run_id = weftd_.start_adhoc(workflow("busy", {sh("wait", wait_for_file(release))}));
  ASSERT_TRUE(eventually([&] { return weftd_.tasks(run_id).at("wait")["status"] == "running"; }));
  const auto response = retry(run_id);
  EXPECT_EQ(response.status, 409) << response.body;
  std::ofstream(release).put('\n');
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
}

TEST_F(SchedulerRunRetry, RetryOfASucceededRunIsAConflict) {
  const std::string run_id = weftd_.start_adhoc(workflow("fine", {sh("fine", "true")}));
  ASSERT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  const auto response = retry(run_id);
  EXPECT_EQ(response.status, 409) << response.body;
}

}  // namespace
}  // namespace weft::test
