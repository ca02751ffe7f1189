// The subworkflow node type, loaded from its built plugin file and driven
// through the C vtable as weftd drives it, with a FakeHost playing weftd's
// side of start_child_run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>
#include <weft/sdk/testing/node_under_test.hpp>

namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using weft::sdk::Plan;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;
using weft::sdk::testing::task_for;

class SubworkflowNodeTest : public ::testing::Test {
 protected:
  // Plans a task of these params, which asks the host for its child run.
  std::string started(const json& params) {
    const auto task = task_for(params);
    const Plan planned = node_.plan(task);
    EXPECT_EQ(planned.kind, WEFT_PLAN_PENDING) << planned.error;
    return task.task_key;
  }
  FakeHost host_;
  LoadedPlugin plugin_{WEFT_PLUGIN_FILE};
  NodeUnderTest node_{plugin_, "subworkflow", host_};
};

TEST_F(SubworkflowNodeTest, TemplatesStandForAnyValueUntilRendered) {
  EXPECT_THAT(node_.problems_with({{"workflow", "{{ params.which }}"},
                                   {"version", "{{ params.v }}"},
                                   {"params", "{{ nodes.prepare.output }}"}}),
              IsEmpty());
}

TEST_F(SubworkflowNodeTest, ABadWorkflowNameIsAProblemNamingTheField) {
  EXPECT_THAT(node_.problems_with({{"workflow", "Etl Daily"}}),
              ElementsAre(Pair("/workflow", HasSubstr("not 'Etl Daily'"))));
  EXPECT_THAT(node_.problems_with({{"workflow", "etl"}, {"params", "day=1"}}),
              ElementsAre(Pair("/params", HasSubstr("must be an object"))));
}

TEST_F(SubworkflowNodeTest, AsksForTheChildRunWithTheRenderedParams) {
  const auto key = started({{"workflow", "etl"}, {"version", 2}, {"params", {{"day", "2024-01-01"}}}});
  const auto children = host_.child_runs();
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].task_key, key);
  EXPECT_EQ(children[0].workflow, "etl");
  EXPECT_EQ(children[0].version, 2);
  EXPECT_EQ(json::parse(children[0].params_json), json({{"day", "2024-01-01"}}));
}

TEST_F(SubworkflowNodeTest, ASucceededChildGivesItsOutputsAsTheTaskOutput) {
  const auto key = started({{"workflow", "etl"}});
  ASSERT_TRUE(host_.end_child_run(key, "child-1", WEFT_RUN_SUCCEEDED,
                                  R"({"status":"succeeded","outputs":{"load":{"rows":7}}})"));
  const auto finished = host_.find(key, WEFT_EVENT_FINISHED);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->exit_code, 0);
  EXPECT_EQ(json::parse(finished->output_json),
            json({{"run_id", "child-1"}, {"status", "succeeded"}, {"outputs", {{"load", {{"rows", 7}}}}}}));
}

TEST_F(SubworkflowNodeTest, AFailedChildFailsTheTaskNamingTheChildRun) {
  const auto key = started({{"workflow", "etl"}});
  ASSERT_TRUE(host_.end_child_run(key, "child-9", WEFT_RUN_FAILED, R"({"status":"failed","outputs":{}})",
                                  "node 'load' failed"));
  const auto finished = host_.find(key, WEFT_EVENT_FINISHED);
  ASSERT_TRUE(finished);
  EXPECT_NE(finished->exit_code, 0);
  EXPECT_EQ(finished->error, "child run child-9 failed: node 'load' failed");
}

TEST_F(SubworkflowNodeTest, AChildThatCouldNotStartFailsTheTaskSayingWhy) {
  const auto key = started({{"workflow", "etl"}});
  ASSERT_TRUE(host_.end_child_run(key, "", 0, "", "no workflow named 'etl'"));
  const auto finished = host_.find(key, WEFT_EVENT_FINISHED);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->error, "the child run did not start: no workflow named 'etl'");
}

TEST_F(SubworkflowNodeTest, CancelEndsTheTaskOnceAndTheChildsLateEndIsIgnored) {
  const auto key = started({{"workflow", "etl"}});
  weft_error err{};
  ASSERT_EQ(node_.vtable().cancel(node_.object(), weft::sdk::str(key), &err), WEFT_OK) << err.message;
  ASSERT_TRUE(host_.end_child_run(key, "child-1", WEFT_RUN_CANCELLED, R"({"status":"cancelled","outputs":{}})"));
  const auto events = host_.events_for(key);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_THAT(events[0].error, HasSubstr("cancelled"));
}

}  // namespace
