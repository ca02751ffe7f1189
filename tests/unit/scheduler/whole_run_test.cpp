// Whole-run submission, the scheduler's side: which workflows are refused
// when stored, the graph an executor that takes whole runs is handed (once,
// before any task starts), how the run's tasks then follow it, and what a
// refusal or a restart does. On virtual time, with the "whole" executor of
// fake_runtime.hpp.
#include "scheduler_fixture.hpp"

namespace weft::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class WholeRunTest : public SchedulerTest {
 protected:
  static json node(const std::string& id, json argv, json depends_on = json::array()) {
    return {{"id", id},
            {"type", "task"},
            {"executor", "whole"},
            {"depends_on", std::move(depends_on)},
            {"params", {{"argv", std::move(argv)}, {"executor_options", {{"submit", "dag"}}}}}};
  }
  // a lists items; b runs once per item; c reads a's whole output; d follows both.
  static json diamond() {
    json b = node("b", {"work", "{{ item }}", "{{ params.mode }}"}, {"a"});
    b["for_each"] = "{{ nodes.a.output }}";
    return workflow({node("a", {"list"}), b, node("c", {"sum", "of {{ nodes.a.output }}"}, {"a"}),
                     node("d", {"report", "run {{ run.id }}"}, {"b", "c"})},
                    {{"params", {{"mode", "fast"}}}});
  }
  const sdk::TaskSpec& started_task(const std::string& node, int64_t index = -1) {
    const auto& tasks = started_now_ = runtime_.started();
    for (const auto& t : tasks) {
      if (t.node == node && t.index.value_or(-1) == index) return t;
    }
    throw std::runtime_error("task " + node + " has not started");
  }
  bool has_started(const std::string& node) {
    const auto tasks = runtime_.started();
    return std::any_of(tasks.begin(), tasks.end(), [&](const auto& t) { return t.node == node; });
  }
  std::vector<daemon::Problem> refusal(const json& document) {
    auto applied = scheduler_->apply_workflow(document, std::nullopt);
    EXPECT_FALSE(applied);
    if (applied) return {};
    EXPECT_EQ(applied.failure().code, ErrorCode::invalid_workflow);
    return applied.failure().details;
  }

  std::vector<sdk::TaskSpec> started_now_;
};

TEST_F(WholeRunTest, ARunIsHandedWholeOnceBeforeAnyTaskAndItsTasksFollowIt) {
  const auto id = run(diamond());
  ASSERT_TRUE(eventually([&] { return runtime_.whole_runs().size() == 1; }));
  const sdk::RunGraph graph = runtime_.whole_runs()[0];
  EXPECT_EQ(graph.run_id, id);
  EXPECT_EQ(graph.workflow, "wf");
  ASSERT_EQ(graph.nodes.size(), 4u);
  EXPECT_EQ(graph.nodes[0].task.node, "a");
  EXPECT_EQ(graph.nodes[3].task.node, "d");
  const auto& b = graph.nodes[1].task.node == "b" ? graph.nodes[1] : graph.nodes[2];
  const auto& c = graph.nodes[1].task.node == "c" ? graph.nodes[1] : graph.nodes[2];
  // What renders before submission is rendered; the two references are left as their text.
  ASSERT_TRUE(b.task.command);
  EXPECT_EQ(b.task.command->argv, (std::vector<std::string>{"work", "{{item}}", "fast"}));
  EXPECT_EQ(b.for_each, "{{nodes.a.output}}");
  EXPECT_THAT(b.dependencies, ElementsAre("a"));
  EXPECT_EQ(c.task.command->argv, (std::vector<std::string>{"sum", "of {{nodes.a.output}}"}));
  EXPECT_EQ(graph.nodes[3].task.command->argv, (std::vector<std::string>{"report", "run " + id}));
  EXPECT_THAT(graph.nodes[3].dependencies, ElementsAre("b", "c"));

  // The tasks start as weft's own graph reaches them, each attaching to its part.
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(started_task("a"), 0, R"(["x","y"])");
  ASSERT_TRUE(eventually([&] { return started() == 4; }));  // b[0], b[1], c
  EXPECT_EQ(started_task("b", 1).command->argv, (std::vector<std::string>{"work", "y", "fast"}));
  finish(started_task("b", 0), 0, "1");
  finish(started_task("b", 1), 0, "2");
  finish(started_task("c", -1), 0, "3");
  ASSERT_TRUE(eventually([&] { return has_started("d"); }));
  finish(started_task("d"), 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
  EXPECT_EQ(runtime_.whole_runs().size(), 1u);
}

TEST_F(WholeRunTest, ARunTheExecutorRefusesFailsWithItsWordsAndStartsNothing) {
  runtime_.refuse_runs("argo-server refused the workflow: HTTP 403");
  const auto id = run(diamond());
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(started(), 0u);
  EXPECT_THAT(stored_run(id)->error, HasSubstr("could not be submitted whole to executor 'whole'"));
  EXPECT_THAT(stored_task(id, "a")->error, HasSubstr("HTTP 403"));
  EXPECT_EQ(stored_task(id, "d")->status, TaskStatus::upstream_failed);
}

TEST_F(WholeRunTest, AfterARestartTheRunIsNotSubmittedAgainAndItsTasksAreRecovered) {
  const auto id = run(diamond());
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  scheduler_->post_task_event({WEFT_EVENT_STARTED, started_task("a").task_key, "weft-dag/a", 0, "", ""});
  settle_loop();
  clock_.advance(100ms);  // a start is stored with the next batch, or after 50 ms
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::running); }));
  stop_scheduler();
  start_scheduler();
  ASSERT_TRUE(eventually([&] { return runtime_.recovered().size() == 1; }));
  EXPECT_EQ(runtime_.whole_runs().size(), 1u);
  finish(runtime_.recovered()[0], 0, R"([])");
  ASSERT_TRUE(eventually([&] { return has_started("c"); }));
  EXPECT_EQ(runtime_.whole_runs().size(), 1u);
}

// A task of a run submitted whole says STARTED only once its node runs in
// what was submitted; a cancel before that still reaches its executor.
TEST_F(WholeRunTest, CancellingBeforeTheFirstTaskSaysStartedStopsItAtItsExecutor) {
  const auto id = run(diamond());
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  ASSERT_TRUE(scheduler_->cancel_run(id));
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  EXPECT_EQ(runtime_.cancelled()[0], started_task("a").task_key);
  finish(started_task("a"), 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::cancelled); }));
  EXPECT_EQ(stored_task(id, "a")->status, TaskStatus::cancelled);
}

// What weftd has not started of a run submitted whole may run at its
// executor already (its upstream ended there, and weftd has not heard yet):
// a cancel stops the whole run there, once, and ends the rest here.
TEST_F(WholeRunTest, CancellingStopsTheWholeRunAtItsExecutorOnce) {
  const auto id = run(diamond());
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  ASSERT_TRUE(scheduler_->cancel_run(id));
  ASSERT_TRUE(scheduler_->cancel_run(id));  // a second cancel asks nothing more
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  EXPECT_EQ(runtime_.cancelled_runs(), std::vector<std::string>{id});
  finish(started_task("a"), 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::cancelled); }));
  EXPECT_EQ(stored_task(id, "d")->status, TaskStatus::cancelled);
  EXPECT_EQ(runtime_.cancelled_runs(), std::vector<std::string>{id});
  EXPECT_EQ(started(), 1u);
}

TEST_F(WholeRunTest, ARunSubmittedWholeCannotBePaused) {
  const auto id = run(diamond());
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  const auto paused = scheduler_->pause_run(id);
  ASSERT_FALSE(paused);
  EXPECT_EQ(paused.failure().code, ErrorCode::conflict);
  EXPECT_THAT(paused.failure().message, HasSubstr("cannot be paused, only cancelled"));
  finish(started_task("a"), 0, R"([])");
  ASSERT_TRUE(eventually([&] { return has_started("c"); }));
}

TEST_F(WholeRunTest, AFailedRunSubmittedWholeIsNotRetriedInPart) {
  const auto id = run(diamond());
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(started_task("a"), 3);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  const auto retried = scheduler_->retry_run(id);
  ASSERT_FALSE(retried);
  EXPECT_EQ(retried.failure().code, ErrorCode::conflict);
  EXPECT_THAT(retried.failure().message, HasSubstr("start a new run instead"));
}

TEST_F(WholeRunTest, ARunOfNodesThatDoNotAllAskRunsTaskByTask) {
  json doc = diamond();
  doc["nodes"][3]["params"].erase("executor_options");
  auto problems = refusal(doc);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "/nodes/3");
  EXPECT_THAT(problems[0].message, HasSubstr("node 'd' cannot be submitted as part of a whole run"));
  // Nobody asking: task by task, as always.
  for (auto& n : doc["nodes"]) n["params"].erase("executor_options");
  const auto id = run(doc);
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  EXPECT_TRUE(runtime_.whole_runs().empty());
  EXPECT_TRUE(run_is(id, RunStatus::running) || run_is(id, RunStatus::queued));
}

TEST_F(WholeRunTest, WhatCannotBeTranslatedIsRefusedWhenStoredNamingTheNodeAndField) {
  json doc = diamond();
  doc["nodes"][2]["params"]["argv"][1] = "{{ nodes.a.output.files }}";
  doc["nodes"][1]["when"] = "params.mode == 'fast'";
  doc["nodes"][3]["params"]["argv"][1] = "{{ len(nodes.b.outputs) }}";
  doc["nodes"][0]["retry"] = {{"max_attempts", 3}};
  doc["nodes"][2]["max_parallel"] = 2;
  auto problems = refusal(doc);
  std::map<std::string, std::string> by_path;
  for (const auto& p : problems) by_path[p.path] = p.message;
  EXPECT_THAT(by_path["/nodes/2/params/argv/1"], HasSubstr("'nodes.a.output.files' is not translated"));
  EXPECT_THAT(by_path["/nodes/1/when"], HasSubstr("node 'b'"));
  EXPECT_THAT(by_path["/nodes/3/params/argv/1"], HasSubstr("an expression over another node's output"));
  EXPECT_THAT(by_path["/nodes/0/retry"], HasSubstr("retries are not translated"));
  EXPECT_THAT(by_path["/nodes/2/max_parallel"], HasSubstr("max_parallel is not translated"));
  EXPECT_EQ(problems.size(), 5u);

  json other = diamond();
  for (auto& n : other["nodes"]) n["executor"] = "fake";
  problems = refusal(other);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "/nodes/0/params/executor_options/submit");
  EXPECT_THAT(problems[0].message, HasSubstr("executor 'fake' does not take whole runs"));
}

}  // namespace
}  // namespace weft::test
