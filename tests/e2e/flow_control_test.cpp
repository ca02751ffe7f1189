// Trigger rules, fail_fast and exit handlers through a real weftd running
// real processes: the example workflows as users run them, and a whole
// upstream value handed to a command as its JSON text.
#include "api_test_helpers.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FlowControl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_weftd().apply(example_workflow("cleanup"));
    shared_weftd().apply(example_workflow("exit-handler"));
  }

  const WeftdProcess& weftd = shared_weftd();
  TempDir dir_;
};

TEST_F(FlowControl, ACleanupNodeRunsAfterAFailureAndTheRunStillFails) {
  const auto scratch = dir_.path() / "scratch";
  const auto run = weftd.wait_run(weftd.start_run("cleanup", {{"scratch", scratch.string()}, {"fail", true}}));
  EXPECT_EQ(run["status"], "failed") << run;
  const auto tasks = weftd.tasks(run["id"]);
  EXPECT_EQ(tasks.at("work")["status"], "failed");
  EXPECT_EQ(tasks.at("cleanup")["status"], "succeeded");
  EXPECT_FALSE(fs::exists(scratch)) << "cleanup did not remove the scratch directory";
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["alert"], "work ended failed; see weft logs");
}

TEST_F(FlowControl, WhenTheWorkSucceedsTheAlertIsSkipped) {
  const auto scratch = dir_.path() / "scratch";
  const auto run = weftd.wait_run(weftd.start_run("cleanup", {{"scratch", scratch.string()}}));
  EXPECT_EQ(run["status"], "succeeded") << run;
  EXPECT_EQ(weftd.tasks(run["id"]).at("alert")["status"], "skipped");
  EXPECT_FALSE(fs::exists(scratch));
}

TEST_F(FlowControl, FailFastStopsTheRunningSiblingAndTheExitHandlerReportsTheFailure) {
  const auto run = weftd.wait_run(weftd.start_run("exit-handler", {{"fail", true}, {"seconds", 600}}));
  EXPECT_EQ(run["status"], "failed") << run;
  EXPECT_NE(run["error"].get<std::string>().find("fail_fast"), std::string::npos) << run;
  const auto tasks = weftd.tasks(run["id"]);
  EXPECT_EQ(tasks.at("check")["status"], "failed");
  EXPECT_EQ(tasks.at("long")["status"], "cancelled");
  EXPECT_EQ(tasks.at("report")["status"], "succeeded");
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["report"], json::parse(R"({"status": "failed", "failed": ["check"]})"));
}

TEST_F(FlowControl, AWholeUpstreamObjectPassesIntoArgvAndEnvAsItsJsonText) {
  const json value = {{"files", {"a.csv", "b.csv"}}, {"count", 2}};
  const std::string script = R"(printf '[%s,%s]' "$1" "$FROM_ENV" > "$WEFT_OUTPUT")";
  json document = workflow(test_workflow_name(),
                           {noop("make", value), sh("echo", script, {"{{ nodes.make.output }}"}).after({"make"})});
  document["nodes"][1]["params"]["env"] = {{"FROM_ENV", "{{ nodes.make.output.files }}"}};
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  ASSERT_EQ(run["status"], "succeeded") << run << json(weftd.tasks(run["id"]));
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["echo"], json::array({value, value["files"]}));
}

TEST_F(FlowControl, AnUnknownTriggerRuleIsA400NamingTheNodeAndTheField) {
  json document = workflow(test_workflow_name(), {noop("a"), noop("b").after({"a"})});
  document["nodes"][1]["trigger_rule"] = "all_good";
  const auto response = weftd.client().post("/api/v1/workflows", document);
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/1/trigger_rule")) << response.body;
  EXPECT_NE(detail_message(response, "/nodes/1/trigger_rule").find("node 'b': unknown trigger_rule 'all_good'"),
            std::string::npos)
      << response.body;
}

}  // namespace
}  // namespace weft::test
