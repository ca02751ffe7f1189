// The argo executor against what a real argo-server does that the
// conformance suite does not ask for: overload (429, 503), rotated tokens,
// workflows deleted behind weft's back, deadlines, one list call a poll.
#include "argo_executor.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <weft/sdk/testing/fake_host.hpp>

#include "argo_test_support.hpp"
#include "testing/remote_executor_test.hpp"
#include "workflow_manifest.hpp"

namespace {

using weft::argo::testing::fake;

const auto* const kNoViolations = ::testing::AddGlobalTestEnvironment(new weft::argo::testing::NoViolations);
constexpr std::chrono::seconds kDeadline{30};

class ArgoExecutorTest : public weft::remote::testing::RemoteExecutorTest {
 protected:
  void SetUp() override {
    RemoteExecutorTest::SetUp();
    config_ = weft::argo::testing::config_in(scratch_);
  }
  void TearDown() override {
    fake().server().fail_next(0, 0);
    fake().server().require_token(weft::argo::testing::kToken);
    RemoteExecutorTest::TearDown();
  }

  nlohmann::json config_;
};

TEST_F(ArgoExecutorTest, OverloadAnswersAreRetriedAndTheTaskStillRuns) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  fake().server().fail_next(3, 503);
  const auto t = task("overloaded", "echo hi");
  executor.start(t);
  fake().server().fail_next(2, 429);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->exit_code, 0) << finished->error;
  EXPECT_TRUE(host_.find(t.task_key, WEFT_EVENT_STARTED));
}

TEST_F(ArgoExecutorTest, ARotatedTokenIsReadFromItsFile) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  fake().server().require_token("second-token");
  const auto t = task("rotated", "exit 0");
  executor.start(t);
  // Refused with the old token, it keeps trying until the file has the new one.
  EXPECT_FALSE(host_.run_until([&] { return host_.find(t.task_key, WEFT_EVENT_STARTED).has_value(); },
                               std::chrono::milliseconds(500)));
  std::ofstream(scratch_ / "token") << "second-token\n";
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->error, "");
}

TEST_F(ArgoExecutorTest, AWorkflowDeletedBehindWeftsBackIsLost) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  const auto t = task("vanishing", "sleep 30");
  executor.start(t);
  const auto started = host_.wait_for(t.task_key, WEFT_EVENT_STARTED, kDeadline);
  ASSERT_TRUE(started);
  fake().vanish(started->external_id);
  const auto lost = host_.wait_for(t.task_key, WEFT_EVENT_LOST, kDeadline);
  ASSERT_TRUE(lost);
  EXPECT_NE(lost->error.find(started->external_id), std::string::npos) << lost->error;
}

TEST_F(ArgoExecutorTest, ATimeoutBecomesTheActiveDeadlineAndItsMessageTheError) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  const auto t = task("slow", "sleep 30", 0.5);
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_NE(finished->error.find("longer than the specified deadline"), std::string::npos) << finished->error;
}

TEST_F(ArgoExecutorTest, ARefusedWorkflowFinishesWithTheServersWords) {
  auto config = config_;
  config["namespace"] = "Not_A_Namespace";  // Kubernetes refuses such a name
  weft::argo::ArgoExecutor executor(host_.host(), config);
  const auto t = task("refused", "exit 0");
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_NE(finished->error.find("Invalid value: \"Not_A_Namespace\""), std::string::npos) << finished->error;
  EXPECT_FALSE(host_.find(t.task_key, WEFT_EVENT_STARTED)) << "a workflow that was never created did not start";
}

TEST_F(ArgoExecutorTest, ARunningTasksLogIsStreamedIntoItsStdoutFileWhileItRuns) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  const auto release = scratch_ / "release";
  const auto t =
      task("streamed", "echo first; while [ ! -e '" + release.string() + "' ]; do sleep 0.05; done; echo second");
  const auto stdout_text = [&] {
    std::ifstream in(t.stdout_path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  executor.start(t);
  EXPECT_TRUE(host_.run_until([&] { return stdout_text() == "first\n"; }, kDeadline)) << stdout_text();
  EXPECT_FALSE(host_.find(t.task_key, WEFT_EVENT_FINISHED)) << "the log came only once the task had ended";
  std::ofstream(release).put('\n');
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->error, "");
  EXPECT_EQ(stdout_text(), "first\nsecond\n");
}

TEST_F(ArgoExecutorTest, WithoutLogStreamsTheLogIsReadWhenTheTaskEnds) {
  auto config = config_;
  config["log_streams"] = 0;
  weft::argo::ArgoExecutor executor(host_.host(), config);
  const auto t = task("unstreamed", "echo one; sleep 0.3; echo two");
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  std::ifstream in(t.stdout_path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "one\ntwo\n");
}

TEST_F(ArgoExecutorTest, StatusIsOneListCallAPollForAllTasks) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  std::vector<weft::sdk::TaskSpec> tasks;
  for (int i = 0; i < 10; ++i) tasks.push_back(task("many" + std::to_string(i), "sleep 1"));
  const int lists_before = fake().calls("GET list");
  const int gets_before = fake().calls("GET workflow");
  for (const auto& t : tasks) executor.start(t);
  for (const auto& t : tasks) ASSERT_TRUE(host_.wait_for_finished(t.task_key, kDeadline));
  const int lists = fake().calls("GET list") - lists_before;
  const int gets = fake().calls("GET workflow") - gets_before;
  EXPECT_GT(lists, 0);
  // One GET at most for each task, when it leaves the list of unfinished ones.
  EXPECT_LE(gets, 10);
}

}  // namespace
