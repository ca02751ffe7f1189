// The scheduler in process: a store in memory, node types and an executor of
// the test's own (fake_runtime.hpp), and virtual time (virtual_clock.hpp), so
// that backoffs, timeouts and limits are checked without sleeping and without
// processes. The end-to-end suites (tests/e2e) check the same daemon for real.
#include "scheduler_fixture.hpp"

namespace weft::test {
namespace {

TEST_F(SchedulerTest, AFailedAttemptRunsAgainOnlyOnceItsBackoffHasPassed) {
  const json retry = {{"max_attempts", 2}, {"backoff_s", 10}, {"backoff_factor", 1}, {"max_backoff_s", 10}};
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"retry", retry}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 1);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
  clock_.advance(7s);  // the backoff is 10 s, +-20%
  settle_loop();
  EXPECT_EQ(started(), 1u);
  clock_.advance(6s);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(runtime_.started()[1].attempt, 2);
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(SchedulerTest, ATaskThatRunsPastItsTimeoutIsCancelledAndFails) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"timeout_s", 30}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  clock_.advance(29s);
  settle_loop();
  EXPECT_TRUE(runtime_.cancelled().empty());
  clock_.advance(2s);
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  EXPECT_EQ(runtime_.cancelled()[0], runtime_.started()[0].task_key);
  finish(runtime_.started()[0], 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_THAT(stored_task(id, "a")->error, ::testing::HasSubstr("timed out after 30 s"));
}

TEST_F(SchedulerTest, ATimeoutErrorStatesTheLimitAsGiven) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"timeout_s", 0.25}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  clock_.advance(300ms);
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  finish(runtime_.started()[0], 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_THAT(stored_task(id, "a")->error, ::testing::HasSubstr("timed out after 0.25 s (timeout_s)"));
}

// With +-20% jitter, a backoff at its cap used to wait up to 1.2 times the cap.
TEST_F(SchedulerTest, JitterNeverTakesABackoffPastMaxBackoff) {
  constexpr size_t kAttempts = 20;
  const json retry = {{"max_attempts", kAttempts}, {"backoff_s", 10}, {"backoff_factor", 1}, {"max_backoff_s", 10}};
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"retry", retry}}}));
  for (size_t attempt = 1; attempt < kAttempts; ++attempt) {
    ASSERT_TRUE(eventually([&] { return started() == attempt; }));
    finish(runtime_.started()[attempt - 1], 1);
    ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
    clock_.advance(10s);
    ASSERT_TRUE(eventually([&] { return started() == attempt + 1; }))
        << "attempt " << attempt + 1 << " waited longer than max_backoff_s";
  }
}

TEST_F(SchedulerTest, ARetryBudgetEndsRetriesBeforeTheAttemptCountDoes) {
  const json retry = {
      {"max_attempts", 10}, {"backoff_s", 10}, {"backoff_factor", 1}, {"max_backoff_s", 10}, {"max_duration_s", 15}};
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"retry", retry}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 1);  // at 0 s: the second attempt starts by 10 s, within the budget
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
  clock_.advance(10s);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  finish(runtime_.started()[1], 1);  // at 10 s: a third would start at 18 s or later, past 15 s
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  const auto task = stored_task(id, "a");
  EXPECT_EQ(task->attempt, 2);
  EXPECT_THAT(task->error, ::testing::HasSubstr("not retried"));
  EXPECT_THAT(task->error, ::testing::HasSubstr("15 s after the first (retry.max_duration_s)"));
}

TEST_F(SchedulerTest, ARunOverItsTimeoutIsCancelledAndItsErrorSaysSo) {
  const auto id = run(workflow(
      {{{"id", "a"}, {"type", "task"}}, {{"id", "b"}, {"type", "task"}, {"depends_on", {"a"}}}}, {{"timeout_s", 60}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  scheduler_->post_task_event({WEFT_EVENT_STARTED, runtime_.started()[0].task_key, "pid-1", 0, "", ""});
  clock_.advance(59s);
  settle_loop();
  EXPECT_TRUE(runtime_.cancelled().empty());
  clock_.advance(2s);
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  finish(runtime_.started()[0], 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::cancelled); }));
  EXPECT_THAT(stored_run(id)->error, ::testing::HasSubstr("did not finish within 60 s (timeout_s)"));
  EXPECT_EQ(stored_task(id, "b")->status, TaskStatus::cancelled);
}

TEST_F(SchedulerTest, ARunThatEndsInTimeKeepsNoTimer) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}, {{"timeout_s", 60}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
  EXPECT_TRUE(eventually([&] { return clock_.pending() == 0; }));
  EXPECT_EQ(stored_run(id)->error, "");
}

// ---- limits (docs/configuration.md) -----------------------------------------

TEST_F(SchedulerTest, AForEachWiderThanItsLimitFailsTheNodeNamingTheLimit) {
  restart_with({.max_for_each_items = 3});
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"for_each", "{{ params.items }}"}}},
                               {{"params", {{"items", {1, 2, 3, 4}}}}}));
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_THAT(stored_task(id, "a")->error, ::testing::HasSubstr("4 items; limits.max_for_each_items allows 3"));
  EXPECT_EQ(started(), 0u);
}

TEST_F(SchedulerTest, ParamsOverTheirLimitAreRefusedAndNoRunIsCreated) {
  restart_with({.max_params_bytes = 20});
  const auto name = apply(workflow({{{"id", "a"}, {"type", "task"}}}, {{"params", {{"text", ""}}}}));
  const auto created = create(name, {{"text", std::string(100, 'x')}});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.failure().code, ErrorCode::payload_too_large);
  EXPECT_THAT(created.failure().message, ::testing::HasSubstr("limits.max_params_bytes allows 20"));
  EXPECT_TRUE(create(name, {{"text", "short"}}));
}

TEST_F(SchedulerTest, RunsOfOneWorkflowAtOnceAreLimitedUntilOneFinishes) {
  restart_with({.max_runs_per_workflow = 1});
  const auto name = apply(workflow({{{"id", "a"}, {"type", "task"}}}));
  const auto first = create(name);
  ASSERT_TRUE(first);
  const auto second = create(name);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.failure().code, ErrorCode::too_many_requests);
  EXPECT_THAT(second.failure().message, ::testing::HasSubstr("limits.max_runs_per_workflow allows 1"));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return run_is(first->id, RunStatus::succeeded); }));
  EXPECT_TRUE(create(name));
}

TEST_F(SchedulerTest, AnOutputOverItsLimitFailsTheAttempt) {
  restart_with({.max_output_bytes = 10});
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 0, R"({"text": "more than ten bytes"})");
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_THAT(stored_task(id, "a")->error, ::testing::HasSubstr("limits.max_output_bytes allows 10"));
}

TEST_F(SchedulerTest, ANodeLimitHoldsTasksBackUntilASlotFrees) {
  const auto id =
      run(workflow({{{"id", "a"}, {"type", "task"}, {"for_each", "{{ params.items }}"}, {"max_parallel", 2}}},
                   {{"params", {{"items", {1, 2, 3, 4, 5}}}}}));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  settle_loop();
  EXPECT_EQ(started(), 2u);
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return started() == 3; }));
  for (size_t i = 1; i < 5; ++i) {
    ASSERT_TRUE(eventually([&] { return started() > i; }));
    finish(runtime_.started()[i], 0);
  }
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

// An executor with WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH (a Slurm job array
// with %max_parallel) gets every element at once, told the node's size and
// limit; the run's limit still holds.
TEST_F(SchedulerTest, AnExecutorThatThrottlesForEachGetsEveryElementAtOnce) {
  runtime_.set_throttles_for_each(true);
  const json node = {{"id", "a"}, {"type", "task"}, {"for_each", "{{ params.items }}"}, {"max_parallel", 2}};
  const auto id = run(workflow({node}, {{"params", {{"items", {1, 2, 3, 4, 5}}}}}));
  ASSERT_TRUE(eventually([&] { return started() == 5; }));
  for (const auto& task : runtime_.started()) {
    EXPECT_EQ(task.for_each_count, 5);
    EXPECT_EQ(task.max_parallel, 2);
  }
  for (const auto& task : runtime_.started()) finish(task, 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));

  json limited = workflow({node}, {{"params", {{"items", {1, 2, 3, 4, 5}}}}});
  limited["max_parallel"] = 3;
  const auto second = run(limited);
  ASSERT_TRUE(eventually([&] { return started() == 8; }));
  settle_loop();
  EXPECT_EQ(started(), 8u) << "the run's max_parallel of 3 still holds";
  for (size_t i = 5; i < 10; ++i) {
    ASSERT_TRUE(eventually([&] { return started() > i; }));
    finish(runtime_.started()[i], 0);
  }
  EXPECT_TRUE(eventually([&] { return run_is(second, RunStatus::succeeded); }));
}

// How many nodes or elements the large-run tests use. Under
// AddressSanitizer (stack frames several times larger, everything ~20x
// slower) 20,000 would overflow a recursive cascade just the same, and
// 100,000 make creating the run outlast the command timeout on a busy
// machine.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kLargeCount = 20000;
#else
constexpr int kLargeCount = 100000;
#endif

// 100,000 nodes that each depend on the one before: the first fails, and the
// rest become upstream_failed in one cascade, which must not recurse.

TEST_F(SchedulerTest, AFailureCascadesDownAChainOf100000NodesWithoutRecursion) {
  json nodes = json::array({{{"id", "n0"}, {"type", "failing"}}});
  for (int i = 1; i < kLargeCount; ++i) {
    nodes.push_back(
        {{"id", "n" + std::to_string(i)}, {"type", "inline"}, {"depends_on", {"n" + std::to_string(i - 1)}}});
  }
  const auto id = run(workflow(nodes));
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(stored_task(id, "n" + std::to_string(kLargeCount - 1))->status, TaskStatus::upstream_failed);
}

TEST_F(SchedulerTest, AForEachOf100000ElementsRunsToTheEnd) {
  json items = json::array();
  for (int i = 0; i < kLargeCount; ++i) items.push_back(i);
  const auto id = run(workflow({{{"id", "each"}, {"type", "inline"}, {"for_each", "{{ params.items }}"}}},
                               {{"params", {{"items", json::array()}}}}),
                      {{"items", items}});
  // A generous bound: under the sanitizers on a loaded machine the run takes 10 s and more.
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }, 60'000));
  EXPECT_EQ(stored_task(id, "each", kLargeCount - 1)->output_json, R"({"echo":{}})");
}

TEST_F(SchedulerTest, WhileTheStoreCannotBeWrittenCommandsAnswerUnavailableAndItRecoversAfterwards) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  store_.store->failing_writes = true;
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return !scheduler_->store_healthy(); }));
  const auto refused = create("wf");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.failure().code, ErrorCode::unavailable);
  EXPECT_THAT(refused.failure().message, ::testing::HasSubstr("disk is full"));
  store_.store->failing_writes = false;
  clock_.advance(250ms);  // the journal's first retry
  ASSERT_TRUE(eventually([&] { return scheduler_->store_healthy(); }));
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
  EXPECT_TRUE(create("wf"));
}

TEST_F(SchedulerTest, AFailedBatchIsRetriedWithADelayThatDoublesUpToFiveSeconds) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  store_.store->failing_writes = true;
  const int before = store_.store->write_calls;
  finish(runtime_.started()[0], 0);
  const auto attempts = [&] { return store_.store->write_calls - before; };
  // A failed write arms the next retry once its completion reaches the loop:
  // only then may time move on, or the retry is due later than it should be.
  const auto retry_armed = [&] { return clock_.pending() == 1; };
  ASSERT_TRUE(eventually([&] { return !scheduler_->store_healthy() && retry_armed(); }));
  EXPECT_EQ(attempts(), 1);
  // The retries come 250 ms, 500 ms, 1 s, 2 s, 4 s, then every 5 s after the attempt before.
  const std::chrono::milliseconds delays[] = {250ms, 500ms, 1s, 2s, 4s, 5s, 5s};
  for (const auto delay : delays) {
    const int so_far = attempts();
    clock_.advance(delay - 1ms);
    settle_loop();
    EXPECT_EQ(attempts(), so_far) << "retried before " << delay.count() << " ms";
    clock_.advance(1ms);
    EXPECT_TRUE(eventually([&] { return attempts() == so_far + 1 && retry_armed(); }))
        << "no retry after " << delay.count() << " ms";
  }
  store_.store->failing_writes = false;
  clock_.advance(5s);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(SchedulerTest, RunsGoOnWhileTheStoreCannotBeRead) {
  const auto id =
      run(workflow({{{"id", "a"}, {"type", "task"}}, {{"id", "b"}, {"type", "task"}, {"depends_on", {"a"}}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  store_.store->failing = true;
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_FALSE(create("wf"));  // it needs a read: unavailable, not a hang
  store_.store->failing = false;
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(SchedulerTest, AWorkflowVersionStoredMeanwhileByAnotherWriterIsAConflict) {
  apply(workflow({{{"id", "a"}, {"type", "inline"}}}));
  sdk::WriteBatch other;  // another weftd on the same store took version 2
  other.workflows.push_back({"wf", 2, R"({"other":true})", "other-digest", 1, false});
  store_.client->write(other);
  const auto applied = scheduler_->apply_workflow(workflow({{{"id", "b"}, {"type", "inline"}}}), std::nullopt);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.failure().code, ErrorCode::conflict);
  EXPECT_EQ(apply(workflow({{{"id", "b"}, {"type", "inline"}}})), "wf");  // read again: version 3
  EXPECT_EQ(store_.client->get_workflow("wf", 0)->version, 3);
}

TEST_F(SchedulerTest, AfterARestartARunningTaskIsHandedBackToItsExecutorWithItsWholeSpec) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"params", {{"argv", {"sleep", "60"}}}}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  scheduler_->post_task_event({WEFT_EVENT_STARTED, runtime_.started()[0].task_key, "pid-1", 0, "", ""});
  settle_loop();
  clock_.advance(100ms);  // a start is stored with the next batch, or after 50 ms
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::running); }));
  stop_scheduler();
  start_scheduler();
  ASSERT_TRUE(eventually([&] { return runtime_.recovered().size() == 1; }));
  const sdk::TaskSpec recovered = runtime_.recovered()[0];
  EXPECT_EQ(recovered.task_key, runtime_.started()[0].task_key);
  ASSERT_TRUE(recovered.command);
  EXPECT_EQ(recovered.command->argv, (std::vector<std::string>{"sleep", "60"}));
  EXPECT_EQ(recovered.stdout_path, runtime_.started()[0].stdout_path);
  finish(recovered, 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(SchedulerTest, CancellingARunStopsItsRunningTasksThroughTheirExecutor) {
  const auto id =
      run(workflow({{{"id", "a"}, {"type", "task"}}, {{"id", "b"}, {"type", "task"}, {"depends_on", {"a"}}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  scheduler_->post_task_event({WEFT_EVENT_STARTED, runtime_.started()[0].task_key, "pid-1", 0, "", ""});
  ASSERT_TRUE(scheduler_->cancel_run(id));
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  finish(runtime_.started()[0], 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::cancelled); }));
  EXPECT_EQ(stored_task(id, "b")->status, TaskStatus::cancelled);
  const auto again = scheduler_->cancel_run(id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.failure().code, ErrorCode::conflict);
}

}  // namespace
}  // namespace weft::test
