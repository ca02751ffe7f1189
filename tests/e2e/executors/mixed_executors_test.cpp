// A real weftd running one workflow whose nodes use the process, argo and
// cloudrun executors, the remote two against their fakes: outputs flow
// between all three, and when weftd is killed while tasks run in Argo and
// Cloud Run at once, both are taken back after the restart, not run again.
#include <gtest/gtest.h>

#include "argo_test_support.hpp"
#include "cloudrun_test_support.hpp"
#include "weftd_process.hpp"
#include "workflows.hpp"

namespace weft::test {
namespace {

using nlohmann::json;

const auto* const kArgoConforms = ::testing::AddGlobalTestEnvironment(new weft::argo::testing::NoViolations);
const auto* const kCloudRunConforms = ::testing::AddGlobalTestEnvironment(new weft::cloudrun::testing::NoViolations);

class MixedExecutors : public ::testing::Test {
 protected:
  static WeftdOptions with_remote_executors(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir / "argo");
    std::filesystem::create_directories(dir / "cloudrun");
    WeftdOptions options;
    options.config = {{"executors",
                       {{"argo", weft::argo::testing::config_in(dir / "argo")},
                        {"cloudrun", weft::cloudrun::testing::config_in(dir / "cloudrun")}}}};
    return options;
  }

  // Where each remote task of the run ran: the fake's record of it.
  std::string external_id(const std::string& run_id, const std::string& node) {
    const auto tasks = weftd_.tasks(run_id);
    const auto it = tasks.find(node);
    return it == tasks.end() ? "" : it->second.value("external_id", "");
  }
  std::optional<json> argo_workflow_of(const std::string& run_id, const std::string& node) {
    return weft::argo::testing::fake().workflow(external_id(run_id, node));
  }
  std::optional<json> cloudrun_execution_of(const std::string& run_id, const std::string& node) {
    return weft::cloudrun::testing::fake().execution(external_id(run_id, node));
  }
  std::string status_of(const std::string& run_id, const std::string& node) {
    const auto tasks = weftd_.tasks(run_id);
    const auto it = tasks.find(node);
    return it == tasks.end() ? "" : it->second.value("status", "");
  }

  TempDir dir_;
  WeftdProcess weftd_{with_remote_executors(dir_.path())};
};

TEST_F(MixedExecutors, OutputsFlowThroughProcessArgoAndCloudRunNodesOfOneRun) {
  const auto document =
      workflow("three-executors",
               {sh("local", "echo 20 > \"$WEFT_OUTPUT\""),
                sh("on_argo", "echo \"argo saw $1\"; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes.local.output }}"})
                    .after({"local"})
                    .executor("argo"),
                sh("on_cloudrun", "echo \"cloudrun saw $1\"; echo $(($1 * 2)) > \"$WEFT_OUTPUT\"",
                   {"{{ nodes.on_argo.output }}"})
                    .after({"on_argo"})
                    .executor("cloudrun"),
                sh("back", "echo $(($1 + $2)) > \"$WEFT_OUTPUT\"",
                   {"{{ nodes.on_argo.output }}", "{{ nodes.on_cloudrun.output }}"})
                    .after({"on_argo", "on_cloudrun"})});
  const std::string run_id = weftd_.start_adhoc(document);
  const auto run = weftd_.wait_run(run_id);
  ASSERT_EQ(run["status"], "succeeded") << run.dump() << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["back"], 21 + 42);

  EXPECT_TRUE(argo_workflow_of(run_id, "on_argo")) << "on_argo did not run in Argo";
  const auto execution = cloudrun_execution_of(run_id, "on_cloudrun");
  ASSERT_TRUE(execution) << "on_cloudrun did not run in Cloud Run";
  EXPECT_EQ((*execution)["succeededCount"], 1);
  for (const auto& [node, line] : {std::pair{"on_argo", "argo saw 20"}, std::pair{"on_cloudrun", "cloudrun saw 21"}}) {
    const auto logs = weftd_.client().get("/api/v1/runs/" + run_id + "/tasks/" + node + "/logs");
    EXPECT_NE(logs.body.find(line), std::string::npos) << node << ": " << logs.status << " " << logs.body;
  }
}

TEST_F(MixedExecutors, TasksRunningInArgoAndCloudRunThroughACrashOfWeftdAreTakenBackNotRunAgain) {
  const auto ran = dir_.path() / "ran";
  const auto release = dir_.path() / "release";
  const auto waits = [&](const std::string& node, const std::string& value) {
    return sh(node, record_run_in(ran) + "; " + wait_for_file(release) + "; echo " + value + " > \"$WEFT_OUTPUT\"");
  };
  const auto document =
      workflow("recovered", {waits("on_argo", "3").executor("argo"), waits("on_cloudrun", "4").executor("cloudrun"),
                             sh("back", "echo $(($1 * $2)) > \"$WEFT_OUTPUT\"",
                                {"{{ nodes.on_argo.output }}", "{{ nodes.on_cloudrun.output }}"})
                                 .after({"on_argo", "on_cloudrun"})});
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return count_lines(ran, "on_argo") == 1 && count_lines(ran, "on_cloudrun") == 1; }))
      << weftd_.log();
  ASSERT_TRUE(eventually(
      [&] { return status_of(run_id, "on_argo") == "running" && status_of(run_id, "on_cloudrun") == "running"; }));

  weftd_.kill_hard();
  weftd_.start();
  std::ofstream(release).put('\n');

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["back"], 12);
  EXPECT_EQ(count_lines(ran, "on_argo"), 1) << "the Argo task ran again after the restart";
  EXPECT_EQ(count_lines(ran, "on_cloudrun"), 1) << "the Cloud Run task ran again after the restart";
}

}  // namespace
}  // namespace weft::test
