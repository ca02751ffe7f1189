// A real weftd running a workflow whose nodes use both the process executor
// and the argo executor, the latter against the fake argo-server: outputs
// flow between the two, cancel ends the Argo side too, and a task running
// in Argo when weftd is killed is taken back after the restart (not run
// again).
#include <gtest/gtest.h>

#include "argo_test_support.hpp"
#include "weftd_process.hpp"
#include "workflow_manifest.hpp"
#include "workflows.hpp"

namespace weft::test {
namespace {

using nlohmann::json;
using weft::argo::testing::fake;

const auto* const kNoViolations = ::testing::AddGlobalTestEnvironment(new weft::argo::testing::NoViolations);

class ArgoEndToEnd : public ::testing::Test {
 protected:
  static json on_argo(json document, const std::string& node) {
    for (auto& n : document["nodes"]) {
      if (n["id"] == node) n["executor"] = "argo";
    }
    return document;
  }
  // The Argo workflows of a run, by the node they ran.
  static std::map<std::string, json> argo_workflows_of(const std::map<std::string, json>& tasks) {
    std::map<std::string, json> found;
    for (const auto& [id, task] : tasks) {
      const std::string external_id = task.value("external_id", "");
      if (const auto wf = fake().workflow(external_id)) found[id] = *wf;
    }
    return found;
  }

  static WeftdOptions with_argo(const std::filesystem::path& dir) {
    WeftdOptions options;
    options.config = {{"executors", {{"argo", weft::argo::testing::config_in(dir)}}}};
    return options;
  }

  TempDir dir_;
  WeftdProcess weftd_{with_argo(dir_.path())};
};

TEST_F(ArgoEndToEnd, OutputsFlowBetweenProcessAndArgoNodes) {
  const auto document = on_argo(
      workflow(
          "mixed",
          {sh("local", "echo 20 > \"$WEFT_OUTPUT\""),
           sh("remote", "echo \"remote saw $1\"; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes.local.output }}"})
               .after({"local"}),
           sh("back", "echo $(($1 * 2)) > \"$WEFT_OUTPUT\"", {"{{ nodes.remote.output }}"}).after({"remote"})}),
      "remote");
  const std::string run_id = weftd_.start_adhoc(document);
  const auto run = weftd_.wait_run(run_id);
  ASSERT_EQ(run["status"], "succeeded") << run.dump() << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["back"], 42);
  const auto tasks = weftd_.tasks(run_id);
  const auto in_argo = argo_workflows_of(tasks);
  ASSERT_EQ(in_argo.size(), 1u) << json(tasks).dump(1);
  ASSERT_EQ(in_argo.count("remote"), 1u);
  EXPECT_EQ(in_argo.at("remote")["metadata"]["labels"]["weft.io/run-id"], weft::argo::label_value(run_id));
  const auto logs = weftd_.client().get("/api/v1/runs/" + run_id + "/tasks/remote/logs");
  EXPECT_NE(logs.body.find("remote saw 20"), std::string::npos) << logs.status << " " << logs.body;
}

TEST_F(ArgoEndToEnd, CancellingARunTerminatesItsArgoWorkflow) {
  const auto pid_file = dir_.path() / "remote.pid";
  const auto document =
      on_argo(workflow("cancelled", {sh("remote", "echo $$ > " + quoted(pid_file) + "; sleep 120")}), "remote");
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return read_pid(pid_file) > 0; })) << weftd_.log();
  const auto response = weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "cancelled");
  EXPECT_TRUE(eventually([&] { return !process_alive(read_pid(pid_file)); })) << "the Argo task still runs";
  // Argo writes the message once the workflow has ended, a moment after its pod died.
  const auto stop_message = [&] {
    const auto in_argo = argo_workflows_of(weftd_.tasks(run_id));
    return in_argo.count("remote") == 0 ? std::string("(no workflow)")
                                        : in_argo.at("remote").value(json::json_pointer("/status/message"), "");
  };
  EXPECT_TRUE(eventually([&] { return stop_message() == "Stopped with strategy 'Terminate'"; })) << stop_message();
}

TEST_F(ArgoEndToEnd, AnArgoTaskRunningThroughACrashOfWeftdIsTakenBackNotRunAgain) {
  const auto ran = dir_.path() / "ran";
  const auto release = dir_.path() / "release";
  const auto document = on_argo(workflow("recovered", {sh("remote", record_run_in(ran) + "; " + wait_for_file(release) +
                                                                        "; echo 7 > \"$WEFT_OUTPUT\"")}),
                                "remote");
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return count_lines(ran, "remote") == 1; })) << weftd_.log();
  ASSERT_TRUE(eventually([&] { return weftd_.tasks(run_id)["remote"].value("status", "") == "running"; }));

  weftd_.kill_hard();
  weftd_.start();
  std::ofstream(release).put('\n');

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["remote"], 7);
  EXPECT_EQ(count_lines(ran, "remote"), 1) << "the task ran again after the restart";
  EXPECT_EQ(argo_workflows_of(weftd_.tasks(run_id)).count("remote"), 1u) << "the task did not run in Argo";
}

}  // namespace
}  // namespace weft::test
