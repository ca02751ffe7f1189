// The cloudrun executor against what Google's APIs do that the conformance
// suite does not ask for: overload (429, 503), refusals (403, 404), tokens
// that expire or are revoked, executions deleted behind weft's back,
// timeouts, one job shared by tasks alike, one list call a poll.
#include "cloudrun_executor.hpp"

#include <gtest/gtest.h>
#include <weft/sdk/testing/fake_host.hpp>

#include "cloudrun_test_support.hpp"
#include "fake_text.hpp"
#include "testing/remote_executor_test.hpp"

namespace {

using weft::cloudrun::testing::Auth;
using weft::cloudrun::testing::fake;

const auto* const kNoViolations = ::testing::AddGlobalTestEnvironment(new weft::cloudrun::testing::NoViolations);
constexpr std::chrono::seconds kDeadline{30};

class CloudRunExecutorTest : public weft::remote::testing::RemoteExecutorTest {
 protected:
  void SetUp() override {
    RemoteExecutorTest::SetUp();
    config_ = weft::cloudrun::testing::config_in(scratch_);
  }
  void TearDown() override {
    fake().server().fail_next(0, 0);
    fake().auth().set_lifetime(std::chrono::hours(1));
    RemoteExecutorTest::TearDown();
  }

  nlohmann::json config_;
};

TEST_F(CloudRunExecutorTest, OverloadAnswersAreRetriedAndTheTaskStillRuns) {
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config_);
  fake().server().fail_next(3, 503);
  const auto t = task("overloaded", "echo hi");
  executor.start(t);
  fake().server().fail_next(2, 429);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->exit_code, 0) << finished->error;
  EXPECT_TRUE(host_.find(t.task_key, WEFT_EVENT_STARTED));
  EXPECT_EQ(weft::fakes::read_file(t.stdout_path).value_or(""), "hi\n");
}

TEST_F(CloudRunExecutorTest, AForbiddenProjectFailsTheTaskWithTheApisMessage) {
  auto config = config_;
  config["project"] = weft::fakes::CloudRunFake::kForbiddenProject;
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config);
  const auto t = task("forbidden", "exit 0");
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_NE(finished->error.find("HTTP 403 PERMISSION_DENIED: Permission denied on resource project forbidden"),
            std::string::npos)
      << finished->error;
  EXPECT_FALSE(host_.find(t.task_key, WEFT_EVENT_STARTED)) << "nothing ran, so nothing started";
}

TEST_F(CloudRunExecutorTest, AProjectThatIsNotThereFailsTheTaskWithTheApisMessage) {
  auto config = config_;
  config["project"] = "no-such-project";
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config);
  const auto t = task("missing", "exit 0");
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_NE(finished->error.find("HTTP 404 NOT_FOUND: Project 'no-such-project' not found."), std::string::npos)
      << finished->error;
}

TEST_F(CloudRunExecutorTest, AKeyFileTokenIsRenewedBeforeItExpires) {
  fake().auth().set_lifetime(std::chrono::seconds(2));
  const int before = fake().auth().issued("jwt");
  const int refused_before = fake().calls("401");
  weft::cloudrun::CloudRunExecutor executor(host_.host(), weft::cloudrun::testing::config_in(scratch_, Auth::key_file));
  const auto t = task("long", "sleep 3; echo done");
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->error, "");
  EXPECT_GE(fake().auth().issued("jwt") - before, 2) << "the first token outlived its two seconds";
  EXPECT_EQ(fake().calls("401"), refused_before) << "a request carried a token that had expired";
}

TEST_F(CloudRunExecutorTest, ARevokedTokenIsReplacedAndNoTaskIsLost) {
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config_);
  const auto t = task("revoked", "sleep 1; exit 4");
  executor.start(t);
  ASSERT_TRUE(host_.wait_for(t.task_key, WEFT_EVENT_STARTED, kDeadline));
  const int before = fake().auth().issued("metadata");
  fake().auth().revoke_all();
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->exit_code, 4);
  EXPECT_GT(fake().auth().issued("metadata"), before);
}

TEST_F(CloudRunExecutorTest, AnExecutionDeletedBehindWeftsBackIsLost) {
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config_);
  const auto t = task("vanishing", "sleep 30");
  executor.start(t);
  const auto started = host_.wait_for(t.task_key, WEFT_EVENT_STARTED, kDeadline);
  ASSERT_TRUE(started);
  fake().vanish(started->external_id);
  const auto lost = host_.wait_for(t.task_key, WEFT_EVENT_LOST, kDeadline);
  ASSERT_TRUE(lost);
  EXPECT_NE(lost->error.find(started->external_id), std::string::npos) << lost->error;
}

TEST_F(CloudRunExecutorTest, ATimeoutBecomesTheRunsTimeoutAndItsMessageTheError) {
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config_);
  const auto t = task("slow", "sleep 30", 0.5);
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_NE(finished->error.find("exceeded its timeout of 1s"), std::string::npos) << finished->error;
  const auto execution = fake().execution(host_.find(t.task_key, WEFT_EVENT_STARTED)->external_id);
  ASSERT_TRUE(execution);
  EXPECT_EQ((*execution)["failedCount"], 1);
}

TEST_F(CloudRunExecutorTest, TasksAlikeShareOneJobAndStatusIsOneListCallAPoll) {
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config_);
  std::vector<weft::sdk::TaskSpec> tasks;
  for (int i = 0; i < 10; ++i) tasks.push_back(task("many" + std::to_string(i), "sleep 1"));
  const int creates_before = fake().calls("POST jobs");
  const int gets_before = fake().calls("GET execution");
  for (const auto& t : tasks) executor.start(t);
  for (const auto& t : tasks) ASSERT_TRUE(host_.wait_for_finished(t.task_key, kDeadline));
  EXPECT_LE(fake().calls("POST jobs") - creates_before, 1) << "tasks of one image and settings share one job";
  EXPECT_EQ(fake().calls("GET execution") - gets_before, 0) << "status came from the list of executions";
  std::set<std::string> jobs;
  for (const auto& t : tasks) {
    const std::string name = host_.find(t.task_key, WEFT_EVENT_STARTED)->external_id;
    jobs.insert(name.substr(0, name.find("/executions/")));
  }
  EXPECT_EQ(jobs.size(), 1u);
}

TEST_F(CloudRunExecutorTest, ACancelledTaskEndsWithCancelledInItsError) {
  weft::cloudrun::CloudRunExecutor executor(host_.host(), config_);
  const auto t = task("cancelled", "sleep 30");
  executor.start(t);
  const auto started = host_.wait_for(t.task_key, WEFT_EVENT_STARTED, kDeadline);
  ASSERT_TRUE(started);
  EXPECT_TRUE(executor.cancel(t.task_key));
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_EQ(finished->error.rfind("cancelled: cloud run execution", 0), 0u) << finished->error;
  EXPECT_EQ((*fake().execution(started->external_id))["cancelledCount"], 1);
}

}  // namespace
