// Whole-run mode with a real weftd and the fake argo-server: a run whose
// nodes all ask for it (executor_options.submit = "dag") becomes one Argo
// Workflow with a DAG template, and weft follows its nodes as its tasks
// (states, outputs, logs, for_each elements each a task); cancel terminates
// that workflow; a weftd killed while it runs takes its tasks back.
#include <gtest/gtest.h>

#include "argo_test_support.hpp"
#include "dag_manifest.hpp"
#include "weftd_process.hpp"
#include "workflows.hpp"

namespace weft::test {
namespace {

using nlohmann::json;
using weft::argo::testing::fake;

const auto* const kNoViolations = ::testing::AddGlobalTestEnvironment(new weft::argo::testing::NoViolations);

// Every node on argo, asking for whole-run submission.
json whole(json document) {
  for (auto& n : document["nodes"]) {
    n["executor"] = "argo";
    n["params"]["executor_options"] = {{"submit", "dag"}};
  }
  return document;
}

class ArgoDagEndToEnd : public ::testing::Test {
 protected:
  static WeftdOptions with_argo(const std::filesystem::path& dir, json limits = json::object()) {
    WeftdOptions options;
    options.config = {{"executors", {{"argo", weft::argo::testing::config_in(dir)}}}, {"limits", std::move(limits)}};
    return options;
  }
  static json argo_workflow_of(const std::string& run_id) {
    return fake().workflow(weft::argo::dag_workflow_name(run_id)).value_or(json());
  }
  // Node slow: writes its shell's pid to pid_file, then sleeps two minutes.
  static Node slow_writing_pid_to(const std::filesystem::path& pid_file) {
    return sh("slow", "echo $$ > " + quoted(pid_file) + "; sleep 120");
  }
  // Cancels the run; it ends cancelled, the pod that wrote pid_file is gone,
  // and Argo says the workflow was terminated.
  static void expect_cancel_terminates_its_workflow(const WeftdProcess& weftd, const std::string& run_id,
                                                    const std::filesystem::path& pid_file) {
    const auto response = weftd.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
    EXPECT_EQ(response.status, 202) << response.body;
    EXPECT_EQ(weftd.wait_run(run_id)["status"], "cancelled");
    EXPECT_TRUE(eventually([&] { return !process_alive(read_pid(pid_file)); })) << "the Argo task still runs";
    // Argo writes the message once the workflow has ended, a moment after its pods died.
    const auto stop_message = [&] {
      const json wf = argo_workflow_of(run_id);
      return wf.is_object() ? wf.value(json::json_pointer("/status/message"), "") : "(no workflow)";
    };
    EXPECT_TRUE(eventually([&] { return stop_message() == "Stopped with strategy 'Terminate'"; })) << stop_message();
  }

  TempDir dir_;
  WeftdProcess weftd_{with_argo(dir_.path())};
};

// list -> each (for_each over list's output) and count (reads list's output
// inside a string, as its JSON text) -> join.
TEST_F(ArgoDagEndToEnd, ADiamondWithAForEachRunsAsOneArgoWorkflow) {
  const auto document = whole(workflow(
      "diamond",
      {sh("list", "printf '[\"x\",\"y\",\"z\"]' > \"$WEFT_OUTPUT\""),
       sh("each", "echo \"item $1\"; printf '\"%s!\"' \"$1\" > \"$WEFT_OUTPUT\"", {"{{ item }}"})
           .after({"list"})
           .for_each("{{ nodes.list.output }}"),
       sh("count", "printf '%s' \"${1#list=}\" > \"$WEFT_OUTPUT\"", {"list={{ nodes.list.output }}"}).after({"list"}),
       sh("join", "echo joined; echo 1 > \"$WEFT_OUTPUT\"").after({"each", "count"})}));
  const int creates_before = fake().calls("POST create");
  const std::string run_id = weftd_.start_adhoc(document);
  const auto run = weftd_.wait_run(run_id);
  ASSERT_EQ(run["status"], "succeeded") << run.dump() << weftd_.log();
  EXPECT_EQ(fake().calls("POST create") - creates_before, 1) << "the run was not submitted as one workflow";

  const auto results = weftd_.results(run_id);
  EXPECT_EQ(results["outputs"]["each"], json({"x!", "y!", "z!"}));
  EXPECT_EQ(results["outputs"]["count"], json({"x", "y", "z"}));
  EXPECT_EQ(results["outputs"]["join"], 1);

  const json wf = argo_workflow_of(run_id);
  ASSERT_TRUE(wf.is_object()) << "no Argo workflow for the run";
  EXPECT_EQ(wf["status"]["phase"], "Succeeded");
  int pods = 0;
  for (const auto& [id, node] : wf["status"]["nodes"].items()) pods += node["type"] == "Pod" ? 1 : 0;
  EXPECT_EQ(pods, 6);  // list, each x3, count, join
  const auto logs = weftd_.client().get("/api/v1/runs/" + run_id + "/tasks/each[1]/logs");
  EXPECT_EQ(logs.body, "item y\n") << logs.status;
  const auto tasks = weftd_.tasks(run_id);
  EXPECT_EQ(tasks.at("join").value("status", ""), "succeeded");
}

TEST_F(ArgoDagEndToEnd, AFailedNodeFailsItsTaskWithArgosWordsAndItsDependentsAreUpstreamFailed) {
  const auto document =
      whole(workflow("failing", {sh("first", "echo broken; exit 3"), sh("second", "exit 0").after({"first"})}));
  const std::string run_id = weftd_.start_adhoc(document);
  const auto run = weftd_.wait_run(run_id);
  ASSERT_EQ(run["status"], "failed") << run.dump() << weftd_.log();
  const auto tasks = weftd_.tasks(run_id);
  EXPECT_NE(tasks.at("first").value("error", "").find("Error (exit code 3)"), std::string::npos)
      << tasks.at("first").dump();
  EXPECT_EQ(tasks.at("second").value("status", ""), "upstream_failed");
}

TEST_F(ArgoDagEndToEnd, CancellingTheRunTerminatesItsArgoWorkflow) {
  const auto pid_file = dir_.path() / "slow.pid";
  const std::string run_id = weftd_.start_adhoc(
      whole(workflow("cancelled", {slow_writing_pid_to(pid_file), sh("after", "exit 0").after({"slow"})})));
  ASSERT_TRUE(eventually([&] { return read_pid(pid_file) > 0; })) << weftd_.log();
  expect_cancel_terminates_its_workflow(weftd_, run_id, pid_file);
}

// Argo runs what it was handed whatever weftd has started of it: here the
// daemon's one slot is taken, so the task of slow waits in weftd while its pod
// runs. Cancelling the run still terminates that pod's workflow.
TEST_F(ArgoDagEndToEnd, CancellingARunWhoseTasksWaitForASlotTerminatesItsArgoWorkflow) {
  WeftdProcess weftd(with_argo(dir_.path(), {{"max_running_tasks", 1}}));
  const auto release = dir_.path() / "release";
  const std::string holder = weftd.start_adhoc(workflow("holder", {sh("hold", wait_for_file(release))}));
  ASSERT_TRUE(eventually([&] { return weftd.tasks(holder)["hold"].value("status", "") == "running"; }));
  const auto pid_file = dir_.path() / "waiting.pid";
  const std::string run_id = weftd.start_adhoc(whole(workflow("waiting", {slow_writing_pid_to(pid_file)})));
  ASSERT_TRUE(eventually([&] { return read_pid(pid_file) > 0; })) << weftd.log();
  EXPECT_EQ(weftd.tasks(run_id)["slow"].value("status", ""), "ready");
  expect_cancel_terminates_its_workflow(weftd, run_id, pid_file);
  std::ofstream(release).put('\n');
  EXPECT_EQ(weftd.wait_run(holder)["status"], "succeeded");
}

TEST_F(ArgoDagEndToEnd, ARunGoingThroughACrashOfWeftdIsTakenBackNotSubmittedAgain) {
  const auto ran = dir_.path() / "ran";
  const auto release = dir_.path() / "release";
  const auto document = whole(
      workflow("recovered",
               {sh("first", record_run_in(ran) + "; " + wait_for_file(release) + "; echo 7 > \"$WEFT_OUTPUT\""),
                sh("second", "echo $(($1 * 6)) > \"$WEFT_OUTPUT\"", {"{{ nodes.first.output }}"}).after({"first"})}));
  const int creates_before = fake().calls("POST create");
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return count_lines(ran, "first") == 1; })) << weftd_.log();
  ASSERT_TRUE(eventually([&] { return weftd_.tasks(run_id)["first"].value("status", "") == "running"; }));

  weftd_.kill_hard();
  weftd_.start();
  std::ofstream(release).put('\n');

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["second"], 42);
  EXPECT_EQ(count_lines(ran, "first"), 1) << "the task ran again after the restart";
  EXPECT_EQ(fake().calls("POST create") - creates_before, 1) << "the run was submitted again";
}

TEST_F(ArgoDagEndToEnd, AWorkflowWithWhatCannotBeTranslatedIsRefusedWhenStored) {
  const auto document =
      whole(workflow("untranslatable", {sh("list", "echo '{}' > \"$WEFT_OUTPUT\""),
                                        sh("use", "echo $1", {"{{ nodes.list.output.files }}"}).after({"list"})}));
  const auto response = weftd_.client().post("/api/v1/workflows", document);
  ASSERT_EQ(response.status, 400) << response.body;
  const json body = json::parse(response.body);
  EXPECT_NE(body.dump().find("/nodes/1/params/argv/4"), std::string::npos) << body.dump();
  EXPECT_NE(body.dump().find("'nodes.list.output.files' is not translated"), std::string::npos) << body.dump();
}

}  // namespace
}  // namespace weft::test
