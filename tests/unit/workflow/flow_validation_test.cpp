// Validation of trigger_rule, nodes.ID.status, on_exit, run.status and
// fail_fast: each problem at its pointer, naming the node.
#include "workflow_validation_fixture.hpp"

namespace weft::daemon {
namespace {

using ::testing::ElementsAre;

TEST_F(WorkflowValidation, TriggerRulesAndStatusReadsAreAccepted) {
  const auto workflow = valid(R"({"name": "w", "fail_fast": true, "nodes": [
      {"id": "a", "type": "noop"},
      {"id": "b", "type": "noop", "depends_on": ["a"], "trigger_rule": "one_failed",
       "when": "nodes.a.status == 'failed'"}]})");
  ASSERT_EQ(workflow.nodes.size(), 2u);
  EXPECT_EQ(workflow.nodes[0].trigger_rule, TriggerRule::all_success);
  EXPECT_EQ(workflow.nodes[1].trigger_rule, TriggerRule::one_failed);
  EXPECT_TRUE(workflow.fail_fast);
}

TEST_F(WorkflowValidation, AnUnknownTriggerRuleNamesTheNodeAndTheRules) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
      {"id": "b", "type": "noop", "depends_on": ["a"], "trigger_rule": "all_good"}]})"),
              ElementsAre(Problem{"/nodes/1/trigger_rule",
                                  "node 'b': unknown trigger_rule 'all_good'; write one of all_success, all_done, "
                                  "all_failed, one_success, one_failed, none_failed, none_failed_min_one_success"}));
}

TEST_F(WorkflowValidation, ATriggerRuleNeedsDependencies) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "trigger_rule": "all_done"}]})"),
              ElementsAre(Problem{"/nodes/0/trigger_rule",
                                  "node 'a' has no depends_on, so it always runs; a trigger_rule needs dependencies"}));
}

TEST_F(WorkflowValidation, StatusReadsFollowTheRulesOfOutputReads) {
  EXPECT_THAT(
      problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
      {"id": "b", "type": "noop", "when": "nodes.a.status == 'failed' || nodes.x.status == 'failed'"},
      {"id": "c", "type": "noop", "depends_on": ["a"], "when": "nodes.a.status.code == 1"}]})"),
      ElementsAre(Problem{"/nodes/1/when", "nodes.a.status: node 'a' is not upstream of 'b'; add it to depends_on"},
                  Problem{"/nodes/1/when", "nodes.x.status: unknown node 'x'"},
                  Problem{"/nodes/2/when", "nodes.a.status.code: nodes.a.status is a string and has no fields"}));
}

TEST_F(WorkflowValidation, ExitHandlersFollowTheNodesAndMayReadAnyOfThem) {
  const auto workflow = valid(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop"}],
      "on_exit": [{"id": "notify", "type": "noop", "when": "run.status == 'failed' && nodes.a.status == 'failed'"},
                  {"id": "after", "type": "command", "depends_on": ["notify"],
                   "params": {"argv": ["echo", "{{ run.failed_nodes }}", "{{ nodes.b.output }}"]}}]})");
  ASSERT_EQ(workflow.nodes.size(), 4u);
  EXPECT_EQ(workflow.body_size, 2u);
  EXPECT_TRUE(workflow.nodes[2].on_exit);
  EXPECT_EQ(workflow.nodes[3].pointer, "/on_exit/1");
}

TEST_F(WorkflowValidation, NodesAndExitHandlersDoNotDependOnEachOther) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "depends_on": ["notify"]}],
      "on_exit": [{"id": "notify", "type": "noop", "depends_on": ["a"]}, {"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/on_exit/1/id", "duplicate node id 'a' (also /nodes/0)"},
                          Problem{"/nodes/0/depends_on/0",
                                  "'notify' is an on_exit node: it runs after every node of the run, so no node "
                                  "of `nodes` can depend on it"},
                          Problem{"/on_exit/0/depends_on/0",
                                  "on_exit nodes start once every node of `nodes` is final; depend only on other "
                                  "on_exit nodes (read 'a' as nodes.a.status)"}));
}

TEST_F(WorkflowValidation, RunStatusIsReadableOnlyInExitHandlers) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "when": "run.status == 'failed'"}],
      "on_exit": [{"id": "n", "type": "noop", "when": "run.started"}]})"),
              ElementsAre(Problem{"/nodes/0/when", "run.status: run.status is set only in on_exit nodes"},
                          Problem{"/on_exit/0/when", "run.started: run has only id, status and failed_nodes"}));
}

TEST_F(WorkflowValidation, FailFastMustBeABoolean) {
  EXPECT_THAT(problems(R"({"name": "w", "fail_fast": "yes", "nodes": [{"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/fail_fast", "must be a boolean, not string"}));
}

}  // namespace
}  // namespace weft::daemon
