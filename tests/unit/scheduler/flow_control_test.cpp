// How a node's state follows from its dependencies' states (trigger_rule),
// fail_fast, and exit handlers (on_exit), on virtual time with the fake
// executor: every task ends when the test says so.
#include "scheduler_fixture.hpp"

#include <algorithm>

namespace weft::test {
namespace {

using ::testing::HasSubstr;

class FlowControlTest : public SchedulerTest {
 protected:
  static json task(const std::string& id, const json& extra = json::object()) {
    json node = {{"id", id}, {"type", "task"}};
    node.update(extra);
    return node;
  }
  // The started task of node `node` (its latest attempt), once it started.
  std::optional<sdk::TaskSpec> started_task(const std::string& node) const {
    const auto all = runtime_.started();
    const auto found = std::find_if(all.rbegin(), all.rend(), [&](const auto& t) { return t.node == node; });
    return found == all.rend() ? std::nullopt : std::optional<sdk::TaskSpec>(*found);
  }
  // Waits for node `node` to start, then ends it with `exit_code`.
  void end(const std::string& node, int exit_code) {
    ASSERT_TRUE(eventually([&] { return started_task(node).has_value(); })) << node << " did not start";
    finish(*started_task(node), exit_code);
  }
  TaskStatus status_of(const std::string& run_id, const std::string& node) {
    const auto t = stored_task(run_id, node);
    return t ? t->status : TaskStatus::pending;
  }
  static json with_exit_handler(json nodes, json handler) {
    return workflow(std::move(nodes), {{"on_exit", json::array({std::move(handler)})}});
  }
  bool final_run(const std::string& id) {
    const auto r = stored_run(id);
    return r && sdk::is_final(r->status);
  }
};

// One upstream per letter: S succeeds, F fails, K is skipped (`when` false).
struct RuleCase {
  std::string rule;
  std::string upstreams;
  TaskStatus target;  // succeeded: the rule let it run
};

void PrintTo(const RuleCase& c, std::ostream* out) { *out << c.rule << " after " << c.upstreams; }

class TriggerRuleTest : public FlowControlTest, public ::testing::WithParamInterface<RuleCase> {};

TEST_P(TriggerRuleTest, DecidesTheNodeOnceEveryDependencyIsFinal) {
  const RuleCase& c = GetParam();
  json nodes = json::array();
  json depends_on = json::array();
  for (size_t i = 0; i < c.upstreams.size(); ++i) {
    const std::string id = "up" + std::to_string(i);
    nodes.push_back(task(id, c.upstreams[i] == 'K' ? json{{"when", "false"}} : json::object()));
    depends_on.push_back(id);
  }
  nodes.push_back(task("target", {{"depends_on", depends_on}, {"trigger_rule", c.rule}}));
  const auto id = run(workflow(nodes));
  for (size_t i = 0; i < c.upstreams.size(); ++i) {
    if (c.upstreams[i] != 'K') end("up" + std::to_string(i), c.upstreams[i] == 'S' ? 0 : 1);
  }
  if (c.target == TaskStatus::succeeded) end("target", 0);
  ASSERT_TRUE(eventually([&] { return final_run(id); }));
  EXPECT_EQ(status_of(id, "target"), c.target);
  EXPECT_EQ(started_task("target").has_value(), c.target == TaskStatus::succeeded);
  // A failure that a node handled still fails the run.
  const bool any_failed = c.upstreams.find('F') != std::string::npos;
  EXPECT_EQ(stored_run(id)->status, any_failed ? RunStatus::failed : RunStatus::succeeded);
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, TriggerRuleTest,
    ::testing::Values(
        RuleCase{"all_success", "SS", TaskStatus::succeeded}, RuleCase{"all_success", "SK", TaskStatus::succeeded},
        RuleCase{"all_success", "KK", TaskStatus::skipped}, RuleCase{"all_success", "SF", TaskStatus::upstream_failed},
        RuleCase{"none_failed_min_one_success", "SK", TaskStatus::succeeded},
        RuleCase{"none_failed_min_one_success", "KK", TaskStatus::skipped},
        RuleCase{"none_failed_min_one_success", "FK", TaskStatus::upstream_failed},
        RuleCase{"none_failed", "KK", TaskStatus::succeeded}, RuleCase{"none_failed", "SK", TaskStatus::succeeded},
        RuleCase{"none_failed", "SF", TaskStatus::upstream_failed}, RuleCase{"all_done", "SF", TaskStatus::succeeded},
        RuleCase{"all_done", "FK", TaskStatus::succeeded}, RuleCase{"all_done", "KK", TaskStatus::succeeded},
        RuleCase{"all_failed", "FF", TaskStatus::succeeded}, RuleCase{"all_failed", "SF", TaskStatus::skipped},
        RuleCase{"all_failed", "FK", TaskStatus::skipped}, RuleCase{"one_failed", "SF", TaskStatus::succeeded},
        RuleCase{"one_failed", "SK", TaskStatus::skipped}, RuleCase{"one_failed", "SS", TaskStatus::skipped},
        RuleCase{"one_success", "SF", TaskStatus::succeeded}, RuleCase{"one_success", "SK", TaskStatus::succeeded},
        RuleCase{"one_success", "FF", TaskStatus::upstream_failed},
        RuleCase{"one_success", "FK", TaskStatus::upstream_failed},
        RuleCase{"one_success", "KK", TaskStatus::skipped}));

TEST_F(FlowControlTest, OneFailedWaitsForEveryDependencyBeforeItRuns) {
  const auto id = run(
      workflow({task("a"), task("b"), task("alert", {{"depends_on", {"a", "b"}}, {"trigger_rule", "one_failed"}})}));
  end("a", 1);
  ASSERT_TRUE(eventually([&] { return status_of(id, "a") == TaskStatus::failed; }));
  settle_loop();
  EXPECT_FALSE(started_task("alert")) << "one_failed fired before every dependency was final";
  end("b", 0);
  end("alert", 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
}

TEST_F(FlowControlTest, AWhenCanReadTheStatusOfADependency) {
  const auto id = run(workflow(
      {task("a"), task("b"),
       task("cleanup", {{"depends_on", {"a", "b"}},
                        {"trigger_rule", "all_done"},
                        {"when", "nodes.a.status == 'failed' && nodes.b.status == 'succeeded'"}}),
       task("never",
            {{"depends_on", {"a", "b"}}, {"trigger_rule", "all_done"}, {"when", "nodes.b.status != 'succeeded'"}})}));
  end("a", 1);
  end("b", 0);
  end("cleanup", 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(status_of(id, "cleanup"), TaskStatus::succeeded);
  EXPECT_EQ(status_of(id, "never"), TaskStatus::skipped);
}

TEST_F(FlowControlTest, FailFastCancelsRunningSiblingsOnceRetriesAreUsedUp) {
  const json retry = {{"max_attempts", 2}, {"backoff_s", 10}, {"backoff_factor", 1}, {"max_backoff_s", 10}};
  const auto id =
      run(workflow({task("bad", {{"retry", retry}}), task("slow"), task("after", {{"depends_on", {"slow"}}})},
                   {{"fail_fast", true}}));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  end("bad", 1);
  ASSERT_TRUE(eventually([&] { return task_is(id, "bad", TaskStatus::retrying); }));
  settle_loop();
  EXPECT_TRUE(runtime_.cancelled().empty()) << "a failed attempt with attempts left stopped the run";
  clock_.advance(13s);
  ASSERT_TRUE(eventually([&] { return started() == 3; }));
  end("bad", 1);
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  EXPECT_EQ(runtime_.cancelled()[0], started_task("slow")->task_key);
  finish(*started_task("slow"), 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(status_of(id, "slow"), TaskStatus::cancelled);
  EXPECT_EQ(status_of(id, "after"), TaskStatus::cancelled);
  EXPECT_THAT(stored_run(id)->error, HasSubstr("node 'bad' failed; fail_fast stopped the run"));
}

TEST_F(FlowControlTest, WithoutFailFastIndependentBranchesRunOn) {
  const auto id = run(workflow({task("bad"), task("slow"), task("after", {{"depends_on", {"slow"}}})}));
  end("bad", 1);
  ASSERT_TRUE(eventually([&] { return status_of(id, "bad") == TaskStatus::failed; }));
  end("slow", 0);
  end("after", 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_TRUE(runtime_.cancelled().empty());
}

TEST_F(FlowControlTest, AFailedElementStopsARunUnderFailFast) {
  const auto id = run(workflow({task("each", {{"for_each", "{{ params.items }}"}}), task("other")},
                               {{"fail_fast", true}, {"params", {{"items", {1, 2}}}}}));
  ASSERT_TRUE(eventually([&] { return started() == 3; }));
  const auto all = runtime_.started();
  const auto element = std::find_if(all.begin(), all.end(), [](const auto& t) { return t.node == "each"; });
  finish(*element, 1);
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 2; }));
  for (const auto& t : runtime_.started()) {
    if (t.task_key != element->task_key) finish(t, 128 + 15);
  }
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(status_of(id, "each"), TaskStatus::failed);
  EXPECT_EQ(status_of(id, "other"), TaskStatus::cancelled);
}

TEST_F(FlowControlTest, AnExitHandlerRunsAfterAFailureSeeingTheRunsOutcome) {
  const json argv = {"notify", "{{ run.status }}", "failed: {{ run.failed_nodes }}"};
  const auto id = run(with_exit_handler({task("a"), task("b", {{"depends_on", {"a"}}})},
                                        task("notify", {{"params", {{"argv", argv}}}})));
  end("a", 1);
  ASSERT_TRUE(eventually([&] { return started_task("notify").has_value(); }));
  EXPECT_EQ(started_task("notify")->command->argv, (std::vector<std::string>{"notify", "failed", R"(failed: ["a"])"}));
  EXPECT_EQ(stored_run(id)->status, RunStatus::running) << "the run ended before its exit handler";
  end("notify", 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(status_of(id, "notify"), TaskStatus::succeeded);
}

TEST_F(FlowControlTest, AFailingExitHandlerFailsASucceededRun) {
  const auto id = run(with_exit_handler({task("a")}, task("notify")));
  end("a", 0);
  end("notify", 3);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
}

TEST_F(FlowControlTest, ACancelledRunStillRunsItsExitHandlersUntilCancelledAgain) {
  const auto id = run(with_exit_handler({task("a")}, task("notify", {{"params", {{"argv", {"{{ run.status }}"}}}}})));
  ASSERT_TRUE(eventually([&] { return started_task("a").has_value(); }));
  ASSERT_TRUE(scheduler_->cancel_run(id));
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  finish(*started_task("a"), 128 + 15);
  ASSERT_TRUE(eventually([&] { return started_task("notify").has_value(); }));
  EXPECT_EQ(started_task("notify")->command->argv, std::vector<std::string>{"cancelled"});
  ASSERT_TRUE(scheduler_->cancel_run(id));
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 2; }));
  EXPECT_EQ(runtime_.cancelled()[1], started_task("notify")->task_key);
  finish(*started_task("notify"), 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::cancelled); }));
  EXPECT_EQ(status_of(id, "notify"), TaskStatus::cancelled);
}

TEST_F(FlowControlTest, AnExitHandlerRunningAtARestartIsTakenBack) {
  const auto id = run(with_exit_handler({task("a")}, task("notify", {{"params", {{"argv", {"{{ run.status }}"}}}}})));
  end("a", 1);
  ASSERT_TRUE(eventually([&] { return started_task("notify").has_value(); }));
  ASSERT_TRUE(eventually([&] { return task_is(id, "notify", TaskStatus::dispatched); }));
  stop_scheduler();
  start_scheduler();
  ASSERT_TRUE(eventually([&] { return runtime_.recovered().size() == 1; }));
  EXPECT_EQ(runtime_.recovered()[0].command->argv, std::vector<std::string>{"failed"});
  finish(runtime_.recovered()[0], 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(status_of(id, "notify"), TaskStatus::succeeded);
}

TEST_F(FlowControlTest, ARetriedRunRunsItsExitHandlersAgain) {
  const auto id = run(with_exit_handler({task("a")}, task("notify", {{"params", {{"argv", {"{{ run.status }}"}}}}})));
  end("a", 1);
  end("notify", 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  ASSERT_TRUE(scheduler_->retry_run(id));
  ASSERT_TRUE(eventually([&] { return started() == 3; }));
  EXPECT_EQ(runtime_.started()[2].node, "a");
  end("a", 0);
  ASSERT_TRUE(eventually([&] { return started() == 4; }));
  EXPECT_EQ(runtime_.started()[3].command->argv, std::vector<std::string>{"succeeded"});
  finish(runtime_.started()[3], 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(FlowControlTest, FailFastStillRunsTheExitHandlers) {
  json doc =
      with_exit_handler({task("bad"), task("slow")}, task("notify", {{"params", {{"argv", {"{{ run.status }}"}}}}}));
  doc["fail_fast"] = true;
  const auto id = run(doc);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  end("bad", 1);
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  finish(*started_task("slow"), 128 + 15);
  ASSERT_TRUE(eventually([&] { return started_task("notify").has_value(); }));
  EXPECT_EQ(started_task("notify")->command->argv, std::vector<std::string>{"failed"});
  end("notify", 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
}

}  // namespace
}  // namespace weft::test
