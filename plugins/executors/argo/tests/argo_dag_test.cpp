// Whole-run mode at the executor: a run handed whole (start_run) becomes one
// DAG workflow in the fake argo-server, and the run's tasks, started as weft
// reaches them, follow their nodes in it: outputs, exit codes, logs, the
// elements of a withParam, and the workflow's end for a node that never ran.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <weft/sdk/testing/fake_host.hpp>

#include "argo_executor.hpp"
#include "argo_test_support.hpp"
#include "dag_manifest.hpp"

namespace {

using nlohmann::json;
using weft::argo::testing::fake;
using weft::sdk::testing::FakeHost;

// The requests' check against the swagger document is argo_executor_test.cpp's, in the same binary.
constexpr std::chrono::seconds kDeadline{30};

class ArgoDagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (std::filesystem::temp_directory_path() / "weft-argo-dag-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    scratch_ = dir;
    config_ = weft::argo::testing::config_in(scratch_);
    run_id_ = scratch_.filename().string();
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(scratch_);
  }
  // The node as the run graph gives it: a shell script with args, asking for whole-run submission.
  weft::sdk::RunNode node(const std::string& id, const std::string& script, std::vector<std::string> args = {},
                          std::vector<std::string> dependencies = {}, std::string for_each = "") {
    weft::sdk::RunNode n;
    n.task.task_key = run_id_ + "/" + id;
    n.task.run_id = run_id_;
    n.task.node = id;
    std::vector<std::string> argv = {"/bin/sh", "-c", script, "sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    n.task.command = weft::sdk::Command{argv, {}, "", "", {{"submit", "dag"}}};
    n.dependencies = std::move(dependencies);
    n.for_each = std::move(for_each);
    return n;
  }
  // The task weft starts for the node (or its element) once it reaches it.
  weft::sdk::TaskSpec task(const weft::sdk::RunNode& n, std::optional<int64_t> index = std::nullopt) {
    weft::sdk::TaskSpec t = n.task;
    t.index = index;
    const std::string name = n.task.node + (index ? "." + std::to_string(*index) : "");
    t.task_key = run_id_ + "/" + name + "/1";
    t.stdout_path = (scratch_ / (name + ".out")).string();
    t.stderr_path = (scratch_ / (name + ".err")).string();
    return t;
  }
  static std::string text_of(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path scratch_;
  nlohmann::json config_;
  std::string run_id_;
  FakeHost host_;
};

TEST_F(ArgoDagTest, ARunIsOneWorkflowWhoseNodesTheTasksFollow) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  const auto list = node("list", "printf '[\"x\",\"y\"]' > \"$WEFT_OUTPUT\"");
  const auto each = node("each", "echo \"item $1\"; printf '\"%s!\"' \"$1\" > \"$WEFT_OUTPUT\"", {"{{item}}"}, {"list"},
                         "{{nodes.list.output}}");
  const auto count =
      node("count", "printf '%s' \"${1#list=}\" > \"$WEFT_OUTPUT\"", {"list={{nodes.list.output}}"}, {"list"});
  const auto join = node("join", "echo joined; exit 4", {}, {"each", "count"});
  const int creates_before = fake().calls("POST create");
  executor.start_run({run_id_, "wf", {list, each, count, join}});

  const auto follow = [&](const weft::sdk::TaskSpec& t) {
    executor.start(t);
    const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
    EXPECT_TRUE(finished) << t.task_key;
    EXPECT_TRUE(host_.find(t.task_key, WEFT_EVENT_STARTED)) << t.task_key;
    return finished.value_or(weft::sdk::testing::RecordedEvent{});
  };
  const auto listed = follow(task(list));
  EXPECT_EQ(listed.output_json, R"(["x","y"])") << listed.error;
  const auto second = follow(task(each, 1));
  EXPECT_EQ(second.output_json, R"("y!")") << second.error;
  EXPECT_EQ(text_of(task(each, 1).stdout_path), "item y\n");
  EXPECT_EQ(follow(task(each, 0)).output_json, R"("x!")");
  EXPECT_EQ(follow(task(count)).output_json, R"(["x","y"])");
  const auto joined = follow(task(join));
  EXPECT_EQ(joined.exit_code, 4);
  EXPECT_NE(joined.error.find("Error (exit code 4)"), std::string::npos) << joined.error;
  EXPECT_EQ(text_of(task(join).stdout_path), "joined\n");
  EXPECT_EQ(fake().calls("POST create") - creates_before, 1);

  const auto wf = fake().workflow(weft::argo::dag_workflow_name(run_id_));
  ASSERT_TRUE(wf);
  EXPECT_EQ((*wf)["status"]["phase"], "Failed");
  EXPECT_EQ((*wf)["spec"]["templates"][0]["dag"]["tasks"][1]["withParam"],
            "{{tasks.list.outputs.parameters.weft-output}}");
}

TEST_F(ArgoDagTest, ATaskWhoseNodeNeverRanEndsWithTheWorkflowsWords) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  const auto first = node("first", "exit 2");
  const auto second = node("second", "exit 0", {}, {"first"});
  executor.start_run({run_id_, "wf", {first, second}});
  const auto t = task(second);  // weft would not start it; the executor must still end it
  executor.start(t);
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_NE(finished->error.find("without running this task"), std::string::npos) << finished->error;
}

TEST_F(ArgoDagTest, CancellingATaskOfTheRunTerminatesTheWorkflow) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  const auto slow = node("slow", "sleep 60");
  executor.start_run({run_id_, "wf", {slow}});
  const auto t = task(slow);
  executor.start(t);
  ASSERT_TRUE(host_.wait_for(t.task_key, WEFT_EVENT_STARTED, kDeadline));
  EXPECT_TRUE(executor.cancel(t.task_key));
  const auto finished = host_.wait_for_finished(t.task_key, kDeadline);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->error.find("cancelled"), std::string::npos) << finished->error;
  EXPECT_EQ(fake().workflow(weft::argo::dag_workflow_name(run_id_)).value()["status"]["message"],
            "Stopped with strategy 'Terminate'");
}

// A refusal used to be kept for good: when the run was retried, its new
// workflow was created, and its tasks were failed with the old refusal.
TEST_F(ArgoDagTest, ARunRefusedOnceRunsWhenItIsHandedWholeAgain) {
  weft::argo::ArgoExecutor executor(host_.host(), config_);
  const auto only = node("only", "printf 7 > \"$WEFT_OUTPUT\"");
  fake().server().fail_next(1, 403);  // the create, as an RBAC rule refuses it
  executor.start_run({run_id_, "wf", {only}});
  const auto refused = task(only);
  executor.start(refused);
  const auto first = host_.wait_for_finished(refused.task_key, kDeadline);
  ASSERT_TRUE(first);
  EXPECT_NE(first->error.find("argo-server refused the run's workflow"), std::string::npos) << first->error;

  executor.start_run({run_id_, "wf", {only}});  // the run retried
  auto retried = task(only);
  retried.task_key = run_id_ + "/only/2";
  retried.attempt = 2;
  executor.start(retried);
  const auto second = host_.wait_for_finished(retried.task_key, kDeadline);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->output_json, "7") << second->error;
}

TEST_F(ArgoDagTest, ANodeThatCannotRunInArgoRefusesTheRunNamingIt) {
  auto config = config_;
  config.erase("default_image");
  weft::argo::ArgoExecutor executor(host_.host(), config);
  try {
    executor.start_run({run_id_, "wf", {node("imageless", "true")}});
    FAIL() << "a node without an image was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("node 'imageless' cannot run in Argo"), std::string::npos) << e.what();
  }
}

}  // namespace
