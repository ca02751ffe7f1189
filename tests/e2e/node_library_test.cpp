// The partition and condition node types through a real weftd over HTTP:
// their example workflows as users run them, bad params refused when the
// workflow is stored, and params that render wrong failing the task.
#include "api_test_helpers.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

using nlohmann::json;

class NodeLibrary : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_weftd().apply(example_workflow("partition"));
    shared_weftd().apply(example_workflow("condition"));
  }

  // A one-node workflow of `type` with `params`, as the API answers storing it.
  HttpResponse post_one_node(const std::string& type, const json& params) const {
    const json document = {{"name", test_workflow_name()},
                           {"nodes", {{{"id", "the-node"}, {"type", type}, {"params", params}}}}};
    return client.post("/api/v1/workflows", document);
  }

  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
};

TEST_F(NodeLibrary, PartitionGroupsFilesByPatternAndForEachHandlesEachGroup) {
  const auto run = weftd.wait_run(weftd.start_run("partition"));
  ASSERT_EQ(run["status"], "succeeded") << run;
  const auto outputs = weftd.results(run["id"])["outputs"];
  EXPECT_EQ(outputs["handle"], json::parse(R"([{"pattern": "*.csv", "files": 3}, {"pattern": "*.png", "files": 1}])"));
  EXPECT_EQ(outputs["leftovers"], json({"notes.txt"}));
  const auto tasks = weftd.tasks(run["id"]);
  EXPECT_EQ(tasks.at("handle[0]")["status"], "succeeded");
  EXPECT_EQ(tasks.at("handle[1]")["status"], "succeeded");
  EXPECT_FALSE(tasks.contains("handle[2]")) << "one task per partition, and the unmatched path has none";
}

TEST_F(NodeLibrary, PartitionOfNoFilesGivesAForEachOfNoTasksThatSucceeds) {
  const auto run = weftd.wait_run(weftd.start_run("partition", {{"files", json::array()}}));
  ASSERT_EQ(run["status"], "succeeded") << run;
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["handle"], json::array());
}

TEST_F(NodeLibrary, PartitionOfItemsThatRenderToNoArrayFailsTheTaskSayingWhy) {
  const auto run = weftd.wait_run(weftd.start_run("partition", {{"files", "in/a.csv"}}));
  EXPECT_EQ(run["status"], "failed") << run;
  const auto task = weftd.tasks(run["id"]).at("groups");
  EXPECT_EQ(task["status"], "failed");
  EXPECT_NE(task["error"].get<std::string>().find("/items must be an array, not string"), std::string::npos) << task;
}

TEST_F(NodeLibrary, ConditionRunsOnlyTheBranchItsValuePicks) {
  const auto run = weftd.wait_run(weftd.start_run("condition"));
  ASSERT_EQ(run["status"], "succeeded") << run;
  auto tasks = weftd.tasks(run["id"]);
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["big"], json({{"value", true}}));
  EXPECT_EQ(tasks.at("split")["status"], "succeeded");
  EXPECT_EQ(tasks.at("whole")["status"], "skipped");

  const auto other = weftd.wait_run(weftd.start_run("condition", {{"threshold", 10}}));
  ASSERT_EQ(other["status"], "succeeded") << other;
  tasks = weftd.tasks(other["id"]);
  EXPECT_EQ(tasks.at("split")["status"], "skipped");
  EXPECT_EQ(tasks.at("whole")["status"], "succeeded");
}

TEST_F(NodeLibrary, BadPartitionParamsAreRefusedWhenTheWorkflowIsStored) {
  const auto response = post_one_node("partition", {{"strategy", "count"}, {"count", 0}, {"items", {1}}});
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/params/count"));
  EXPECT_EQ(detail_message(response, "/nodes/0/params/count"),
            "node 'the-node' params/count: must be a positive integer");
  EXPECT_EQ(client.get("/api/v1/workflows/" + test_workflow_name()).status, 404);
}

TEST_F(NodeLibrary, AConditionWithoutATemplateIsRefusedWhenTheWorkflowIsStored) {
  const auto response = post_one_node("condition", {{"expr", "nodes.x.output.n > 1"}});
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/params/expr"));
  EXPECT_NE(detail_message(response, "/nodes/0/params/expr").find("one whole template"), std::string::npos);
}

}  // namespace
}  // namespace weft::test
