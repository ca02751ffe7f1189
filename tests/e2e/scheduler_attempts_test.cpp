// A node's retry policy and timeout: failed attempts run again after their
// backoff, the last error stays, and a task over its time is stopped.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

TEST(SchedulerAttempts, ATaskThatFailsOnceSucceedsOnItsSecondAttempt) {
  WeftdProcess weftd;
  TempDir dir;
  const fs::path marker = dir.path() / "failed-once";
  const auto document = workflow(
      "flaky",
      {sh("flaky", "if [ -e " + quoted(marker) + " ]; then echo \"$WEFT_ATTEMPT\" > \"$WEFT_OUTPUT\"; else touch " +
                       quoted(marker) + "; exit 1; fi")
           .retry(3, 0.1)});
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  const auto task = weftd.tasks(run["id"]).at("flaky");
  EXPECT_EQ(task["status"], "succeeded");
  EXPECT_EQ(task["attempt"], 2);
  EXPECT_EQ(task["error"], nullptr);
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["flaky"], 2);
}

TEST(SchedulerAttempts, ATaskThatFailsEveryAttemptFailsWithTheLastAttemptsError) {
  WeftdProcess weftd;
  const auto document = workflow("hopeless", {sh("hopeless", "exit $((10 + WEFT_ATTEMPT))").retry(3, 0.1)});
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "failed");
  const auto task = weftd.tasks(run["id"]).at("hopeless");
  EXPECT_EQ(task["status"], "failed");
  EXPECT_EQ(task["attempt"], 3);
  EXPECT_EQ(task["exit_code"], 13);
  EXPECT_THAT(task["error"].get<std::string>(), HasSubstr("code 13"));
}

TEST(SchedulerAttempts, ATaskOverItsTimeoutFailsAsTimedOutAndItsProcessIsGone) {
  WeftdProcess weftd;
  TempDir dir;
  const fs::path pid_file = dir.path() / "pid";
  const auto document =
      workflow("too-slow", {sh("sleeper", "echo $$ > " + quoted(pid_file) + "; exec sleep 30").timeout_s(1)});
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "failed");
  const auto task = weftd.tasks(run["id"]).at("sleeper");
  EXPECT_EQ(task["status"], "failed");
  EXPECT_THAT(task["error"].get<std::string>(), HasSubstr("timed out"));
  const pid_t pid = read_pid(pid_file);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(eventually([&] { return !process_alive(pid); }));
}

}  // namespace
}  // namespace weft::test

namespace weft::test {
namespace {

// 1e10 s as milliseconds overflowed the nanoseconds of weftd's timers into a
// wait of no time: the task timed out at once and the retry came at once.
TEST(SchedulerAttempts, HugeTimeoutsAndBackoffsMeanWaitingLongNotNoTime) {
  WeftdProcess weftd;
  auto document =
      workflow("patient", {sh("patient", "sleep 1").timeout_s(1e10), sh("failing", "exit 1").retry(2, 1e10)});
  document["nodes"][1]["retry"]["max_backoff_s"] = 1e10;
  const auto run_id = weftd.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return weftd.tasks(run_id).at("patient")["status"] == "succeeded"; }))
      << weftd.tasks(run_id).at("patient");
  json failing;
  EXPECT_TRUE(eventually([&] {
    failing = weftd.tasks(run_id).at("failing");
    return failing["status"] == "retrying";
  })) << failing;
  EXPECT_EQ(failing["attempt"], 1);
  EXPECT_EQ(weftd.client().post("/api/v1/runs/" + run_id + "/cancel").status, 202);
  EXPECT_EQ(weftd.wait_run(run_id)["status"], "cancelled");
}

}  // namespace
}  // namespace weft::test
