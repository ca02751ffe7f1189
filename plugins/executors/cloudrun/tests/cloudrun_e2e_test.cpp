// A real weftd running a workflow whose nodes use both the process executor
// and the cloudrun executor, the latter against the fake of Cloud Run:
// outputs flow between the two through the result line, cancel ends the
// Cloud Run execution too, and a task running in Cloud Run when weftd is
// killed is taken back after the restart (not run again).
#include <gtest/gtest.h>

#include "cloudrun_test_support.hpp"
#include "weftd_process.hpp"
#include "workflows.hpp"

namespace weft::test {
namespace {

using nlohmann::json;
using weft::cloudrun::testing::fake;

const auto* const kNoViolations = ::testing::AddGlobalTestEnvironment(new weft::cloudrun::testing::NoViolations);

// The Cloud Run execution the node's task ran as; nullopt if none.
std::optional<json> execution_of(WeftdProcess& weftd, const std::string& run_id, const std::string& node) {
  const auto tasks = weftd.tasks(run_id);
  const auto it = tasks.find(node);
  if (it == tasks.end()) return std::nullopt;
  return fake().execution(it->second.value("external_id", ""));
}

WeftdOptions with_cloudrun(const std::filesystem::path& dir) {
  WeftdOptions options;
  // A service-account key here, as weftd outside Google Cloud would have.
  options.config = {
      {"executors", {{"cloudrun", weft::cloudrun::testing::config_in(dir, cloudrun::testing::Auth::key_file)}}}};
  return options;
}

class CloudRunEndToEnd : public ::testing::Test {
 protected:
  TempDir dir_;
  WeftdProcess weftd_{with_cloudrun(dir_.path())};
};

TEST_F(CloudRunEndToEnd, OutputsFlowBetweenProcessAndCloudRunNodes) {
  const auto document = workflow(
      "mixed",
      {sh("local", "echo 20 > \"$WEFT_OUTPUT\""),
       sh("remote", "echo \"remote saw $1\"; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes.local.output }}"})
           .after({"local"})
           .executor("cloudrun"),
       sh("back", "echo $(($1 * 2)) > \"$WEFT_OUTPUT\"", {"{{ nodes.remote.output }}"}).after({"remote"})});
  const std::string run_id = weftd_.start_adhoc(document);
  const auto run = weftd_.wait_run(run_id);
  ASSERT_EQ(run["status"], "succeeded") << run.dump() << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["back"], 42);
  const auto execution = execution_of(weftd_, run_id, "remote");
  ASSERT_TRUE(execution) << "the remote node did not run in Cloud Run";
  EXPECT_EQ((*execution)["succeededCount"], 1);
  const auto logs = weftd_.client().get("/api/v1/runs/" + run_id + "/tasks/remote/logs");
  EXPECT_NE(logs.body.find("remote saw 20"), std::string::npos) << logs.status << " " << logs.body;
  EXPECT_EQ(logs.body.find("weft-result"), std::string::npos) << "the result line is not the task's output";
}

TEST_F(CloudRunEndToEnd, CancellingARunCancelsItsCloudRunExecution) {
  const auto pid_file = dir_.path() / "remote.pid";
  const auto document =
      workflow("cancelled", {sh("remote", "echo $$ > " + quoted(pid_file) + "; sleep 120").executor("cloudrun")});
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return read_pid(pid_file) > 0; })) << weftd_.log();
  const auto response = weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "cancelled");
  EXPECT_TRUE(eventually([&] { return !process_alive(read_pid(pid_file)); })) << "the Cloud Run task still runs";
  // Cloud Run counts the task cancelled once the execution has ended, a moment after the task died.
  const auto cancelled_count = [&] {
    const auto execution = execution_of(weftd_, run_id, "remote");
    return execution ? execution->value("cancelledCount", 0) : -1;
  };
  EXPECT_TRUE(eventually([&] { return cancelled_count() == 1; })) << cancelled_count();
}

TEST_F(CloudRunEndToEnd, ACloudRunTaskRunningThroughACrashOfWeftdIsTakenBackNotRunAgain) {
  const auto ran = dir_.path() / "ran";
  const auto release = dir_.path() / "release";
  const auto document = workflow(
      "recovered", {sh("remote", record_run_in(ran) + "; " + wait_for_file(release) + "; echo 7 > \"$WEFT_OUTPUT\"")
                        .executor("cloudrun")});
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return count_lines(ran, "remote") == 1; })) << weftd_.log();
  ASSERT_TRUE(eventually([&] { return weftd_.tasks(run_id)["remote"].value("status", "") == "running"; }));

  weftd_.kill_hard();
  weftd_.start();
  std::ofstream(release).put('\n');

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["remote"], 7);
  EXPECT_EQ(count_lines(ran, "remote"), 1) << "the task ran again after the restart";
  EXPECT_TRUE(execution_of(weftd_, run_id, "remote")) << "the task did not run in Cloud Run";
}

}  // namespace
}  // namespace weft::test
