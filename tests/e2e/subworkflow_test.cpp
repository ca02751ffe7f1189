// The subworkflow node type through a real weftd over HTTP: a child run's
// results feed the nodes after it, a failing child fails its node, the child
// is cancelled, paused and resumed with its parent, each side shows the
// other, and a workflow that starts itself stops at the depth limit. And
// after a kill -9, the restarted parent task takes up the child it had
// started rather than starting a second one.
#include "api_test_helpers.hpp"
#include "recovery_fixture.hpp"

#include <gmock/gmock.h>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class Subworkflow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_weftd().apply(example_workflow("subworkflow-child"));
    shared_weftd().apply(example_workflow("subworkflow"));
  }

  json run(const std::string& id) const { return client.get("/api/v1/runs/" + id).json(); }
  // The one child run of run `id`, once it has one.
  std::string child_of(const std::string& id) const {
    std::string child;
    EXPECT_TRUE(eventually([&] {
      const auto children = run(id)["children"];
      if (children.size() == 1) child = children[0]["id"];
      return !child.empty();
    })) << weftd.log();
    return child;
  }
  bool status_becomes(const std::string& id, const std::string& status) const {
    return eventually([&] { return run(id)["status"] == status; });
  }

  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
};

TEST_F(Subworkflow, TheChildsResultsFeedTheNodeAfterItAndEachRunShowsTheOther) {
  const std::string parent = weftd.start_run("subworkflow", {{"n", 21}});
  ASSERT_EQ(weftd.wait_run(parent)["status"], "succeeded") << weftd.log();
  const auto outputs = weftd.results(parent)["outputs"];
  const std::string child = outputs["child"]["run_id"];
  EXPECT_EQ(outputs["child"],
            json({{"run_id", child}, {"status", "succeeded"}, {"outputs", {{"double", {{"value", 42}}}}}}));
  EXPECT_EQ(outputs["report"], json({{"doubled", 42}, {"by", child}}));

  const auto shown = run(parent);
  EXPECT_EQ(shown["parent"], nullptr);
  ASSERT_EQ(shown["children"].size(), 1u) << shown;
  EXPECT_EQ(shown["children"][0], json({{"id", child},
                                        {"workflow", "subworkflow-child"},
                                        {"status", "succeeded"},
                                        {"node", "child"},
                                        {"index", nullptr}}));
  const auto child_run = run(child);
  EXPECT_EQ(child_run["parent"], json({{"run_id", parent}, {"node", "child"}, {"index", nullptr}}));
  EXPECT_EQ(child_run["params"]["n"], 21);
  EXPECT_EQ(weftd.tasks(parent).at("child")["external_id"], child);
  const auto listed = client.get("/api/v1/runs?parent=" + parent).json()["items"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], child);
}

TEST_F(Subworkflow, AFailingChildFailsItsNodeNamingTheChildRun) {
  const std::string parent = weftd.start_run("subworkflow", {{"fail", true}});
  ASSERT_EQ(weftd.wait_run(parent)["status"], "failed");
  const auto tasks = weftd.tasks(parent);
  const std::string child = tasks.at("child")["external_id"];
  EXPECT_EQ(run(child)["status"], "failed");
  EXPECT_EQ(tasks.at("child")["status"], "failed");
  EXPECT_THAT(tasks.at("child")["error"].get<std::string>(),
              HasSubstr("child run " + child + " failed: node 'double': "));
  EXPECT_EQ(tasks.at("report")["status"], "upstream_failed");
}

TEST_F(Subworkflow, PausingResumingAndCancellingTheParentDoTheSameToTheChild) {
  const std::string parent = weftd.start_run("subworkflow", {{"sleep", 60}});
  const std::string child = child_of(parent);
  ASSERT_FALSE(child.empty());
  ASSERT_TRUE(eventually([&] { return weftd.tasks(child).at("double")["status"] == "running"; })) << weftd.log();

  ASSERT_EQ(client.post("/api/v1/runs/" + parent + "/pause", json::object()).status, 202);
  EXPECT_TRUE(status_becomes(child, "paused")) << run(child);
  ASSERT_EQ(client.post("/api/v1/runs/" + parent + "/resume", json::object()).status, 202);
  EXPECT_TRUE(status_becomes(child, "running")) << run(child);

  ASSERT_EQ(client.post("/api/v1/runs/" + parent + "/cancel", json::object()).status, 202);
  EXPECT_EQ(weftd.wait_run(parent)["status"], "cancelled");
  EXPECT_EQ(weftd.wait_run(child)["status"], "cancelled");
  EXPECT_EQ(weftd.tasks(child).at("double")["status"], "cancelled");
}

TEST_F(Subworkflow, AnUnknownWorkflowFailsTheNodeSayingSo) {
  const std::string name = test_workflow_name();
  weftd.apply(workflow(name, {Node("sub", "subworkflow", {{"workflow", "no-such-workflow"}})}));
  const std::string parent = weftd.start_run(name);
  ASSERT_EQ(weftd.wait_run(parent)["status"], "failed");
  EXPECT_EQ(weftd.tasks(parent).at("sub")["error"],
            "the child run did not start: no workflow named 'no-such-workflow'");
}

TEST_F(Subworkflow, ChildParamsItsWorkflowRefusesFailTheNodeNamingTheParam) {
  const std::string name = test_workflow_name();
  weftd.apply(
      workflow(name, {Node("sub", "subworkflow", {{"workflow", "subworkflow-child"}, {"params", {{"unknown", 1}}}})}));
  const std::string parent = weftd.start_run(name);
  ASSERT_EQ(weftd.wait_run(parent)["status"], "failed");
  EXPECT_THAT(weftd.tasks(parent).at("sub")["error"].get<std::string>(), HasSubstr("/unknown"));
}

TEST_F(Subworkflow, BadParamsAreRefusedWhenTheWorkflowIsStored) {
  const json document = {
      {"name", test_workflow_name()},
      {"nodes", {{{"id", "sub"}, {"type", "subworkflow"}, {"params", {{"workflow", "Not Valid"}}}}}}};
  const auto response = client.post("/api/v1/workflows", document);
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/params/workflow"));
  EXPECT_THAT(detail_message(response, "/nodes/0/params/workflow"), HasSubstr("node 'sub' params/workflow"));
}

// Each run starts another of its own workflow: the ninth generation is refused,
// which fails every run above it, the first one included.
TEST_F(Subworkflow, AWorkflowThatStartsItselfStopsAtTheDepthLimit) {
  const std::string name = test_workflow_name();
  weftd.apply(workflow(name, {Node("again", "subworkflow", {{"workflow", name}})}));
  const std::string first = weftd.start_run(name);
  ASSERT_EQ(weftd.wait_run(first)["status"], "failed");
  std::string deepest = first;
  int generations = 1;
  for (json next; (next = weftd.tasks(deepest).at("again")["external_id"]).is_string();) {
    deepest = next.get<std::string>();
    ++generations;
  }
  EXPECT_EQ(generations, 8);
  EXPECT_THAT(weftd.tasks(deepest).at("again")["error"].get<std::string>(),
              HasSubstr("child runs nest at most 8 levels"));
}

class SubworkflowRecovery : public RecoveryFixture {};

// weftd is killed while the child runs: the parent's task is lost, and its
// next attempt is given the child it started, which finishes once.
TEST_F(SubworkflowRecovery, AParentTaskRestartedAfterAKillTakesUpItsChildInsteadOfStartingAnother) {
  weftd_.apply(workflow("held-child", {sh("held", record_run_in(ran_) + "; " + wait_for_file(release_) +
                                                      "; echo 5 > \"$WEFT_OUTPUT\"")}));
  weftd_.apply(workflow("held-parent", {Node("sub", "subworkflow", {{"workflow", "held-child"}})}));
  const std::string parent = weftd_.start_run("held-parent");
  std::string child;
  ASSERT_TRUE(eventually([&] {
    const auto external_id = weftd_.tasks(parent).at("sub")["external_id"];
    if (!external_id.is_string()) return false;
    child = external_id.get<std::string>();
    return weftd_.tasks(child).at("held")["status"] == "running";
  })) << weftd_.log();

  crash_and_restart();
  release();

  ASSERT_EQ(weftd_.wait_run(parent)["status"], "succeeded") << weftd_.log();
  EXPECT_EQ(weftd_.tasks(parent).at("sub")["attempt"], 2) << "the first attempt was lost to the kill";
  EXPECT_EQ(weftd_.results(parent)["outputs"]["sub"]["run_id"], child);
  EXPECT_EQ(weftd_.results(parent)["outputs"]["sub"]["outputs"]["held"], 5);
  const auto children = weftd_.client().get("/api/v1/runs?parent=" + parent).json()["items"];
  EXPECT_EQ(children.size(), 1u) << children.dump(1);
}

}  // namespace
}  // namespace weft::test
