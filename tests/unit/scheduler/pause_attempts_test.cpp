// Pausing and resuming runs, attempt records and the retry budget across
// restarts and run retries: the scheduler in process on virtual time (see
// scheduler_fixture.hpp). tests/e2e/pause_test.cpp checks the same with
// real weftd processes killed with SIGKILL.
#include "scheduler_fixture.hpp"

namespace weft::test {
namespace {

using ::testing::HasSubstr;

class PauseTest : public SchedulerTest {
 protected:
  // a, then b after it.
  std::string run_chain() {
    return run(workflow({{{"id", "a"}, {"type", "task"}}, {{"id", "b"}, {"type", "task"}, {"depends_on", {"a"}}}}));
  }
  void report_started(size_t i) {
    scheduler_->post_task_event(
        {WEFT_EVENT_STARTED, runtime_.started()[i].task_key, "pid-" + std::to_string(i), 0, "", ""});
    settle_loop();  // taken in before the clock moves on: a start is stored with the next batch, or after 50 ms
  }
  std::vector<sdk::AttemptRecord> attempts_of(const std::string& run_id, const std::string& node) {
    std::vector<sdk::AttemptRecord> found;
    for (auto& a : store_.client->list_attempts(run_id)) {
      if (a.node == node) found.push_back(std::move(a));
    }
    return found;
  }
};

TEST_F(PauseTest, APausedRunStartsNoNewTaskWhileItsRunningOneFinishesAndResumeGoesOn) {
  const auto id = run_chain();
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  ASSERT_TRUE(scheduler_->pause_run(id));
  EXPECT_TRUE(run_is(id, RunStatus::paused));
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::succeeded); }));
  clock_.advance(1h);
  settle_loop();
  EXPECT_EQ(started(), 1u);
  EXPECT_TRUE(run_is(id, RunStatus::paused));
  EXPECT_EQ(stored_task(id, "b")->status, TaskStatus::ready);

  ASSERT_TRUE(scheduler_->resume_run(id));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(runtime_.started()[1].node, "b");
  EXPECT_TRUE(run_is(id, RunStatus::running));
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(PauseTest, ARetryWaitingOutItsBackoffDoesNotStartWhileTheRunIsPaused) {
  const json retry = {{"max_attempts", 2}, {"backoff_s", 10}, {"backoff_factor", 1}, {"max_backoff_s", 10}};
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"retry", retry}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  ASSERT_TRUE(scheduler_->pause_run(id));
  finish(runtime_.started()[0], 1);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
  clock_.advance(20s);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::ready); }));
  EXPECT_EQ(started(), 1u);
  ASSERT_TRUE(scheduler_->resume_run(id));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(runtime_.started()[1].attempt, 2);
}

TEST_F(PauseTest, APausedRunStaysPausedAcrossARestartAndResumeThenFinishesIt) {
  const auto id = run_chain();
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  ASSERT_TRUE(scheduler_->pause_run(id));
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::succeeded); }));
  stop_scheduler();
  start_scheduler();
  settle_loop();
  EXPECT_TRUE(run_is(id, RunStatus::paused));
  EXPECT_EQ(started(), 1u);
  ASSERT_TRUE(scheduler_->resume_run(id));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(PauseTest, CancellingAPausedRunStopsItsRunningTaskAndCancelsTheRest) {
  const auto id = run_chain();
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  report_started(0);
  ASSERT_TRUE(scheduler_->pause_run(id));
  ASSERT_TRUE(scheduler_->cancel_run(id));
  ASSERT_TRUE(eventually([&] { return runtime_.cancelled().size() == 1; }));
  finish(runtime_.started()[0], 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::cancelled); }));
  EXPECT_EQ(stored_task(id, "b")->status, TaskStatus::cancelled);
  EXPECT_EQ(started(), 1u);
}

TEST_F(PauseTest, PauseAndResumeAnswerWhereTheyDoNotFit) {
  const auto id = run_chain();
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  EXPECT_EQ(scheduler_->resume_run(id).failure().code, ErrorCode::conflict);
  ASSERT_TRUE(scheduler_->pause_run(id));
  EXPECT_TRUE(scheduler_->pause_run(id)) << "pausing a paused run changes nothing";
  EXPECT_EQ(scheduler_->pause_run("no-such-run").failure().code, ErrorCode::not_found);
  EXPECT_EQ(scheduler_->resume_run("no-such-run").failure().code, ErrorCode::not_found);

  RunRequest request;
  request.workflow = "wf";
  request.start = false;
  const auto created = scheduler_->create_run(request);
  ASSERT_TRUE(created);
  EXPECT_THAT(scheduler_->pause_run(created->id).failure().message, HasSubstr("has not been started"));

  ASSERT_TRUE(scheduler_->cancel_run(id));
  finish(runtime_.started()[0], 128 + 15);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::cancelled); }));
  const auto finished = scheduler_->pause_run(id);
  EXPECT_EQ(finished.failure().code, ErrorCode::conflict);
  EXPECT_THAT(finished.failure().message, HasSubstr("has already cancelled"));
}

// ---- attempts ---------------------------------------------------------------

TEST_F(PauseTest, EveryAttemptIsARecordWithLogFilesOfItsOwn) {
  const json retry = {{"max_attempts", 2}, {"backoff_s", 1}, {"backoff_factor", 1}, {"max_backoff_s", 1}};
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"retry", retry}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  report_started(0);
  finish(runtime_.started()[0], 3);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
  clock_.advance(2s);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  ASSERT_TRUE(eventually([&] { return attempts_of(id, "a").size() == 2; }));
  EXPECT_EQ(attempts_of(id, "a")[1].status, TaskStatus::running);
  finish(runtime_.started()[1], 0);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));

  const auto attempts = attempts_of(id, "a");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].attempt, 1);
  EXPECT_EQ(attempts[0].status, TaskStatus::failed);
  EXPECT_EQ(attempts[0].exit_code, 3);
  EXPECT_EQ(attempts[0].external_id, "pid-0");
  EXPECT_EQ(attempts[0].executor, "fake");
  EXPECT_EQ(attempts[0].stdout_path, runtime_.started()[0].stdout_path);
  EXPECT_GT(attempts[0].finished_at, 0);
  EXPECT_EQ(attempts[1].attempt, 2);
  EXPECT_EQ(attempts[1].status, TaskStatus::succeeded);
  EXPECT_EQ(attempts[1].exit_code, 0);
  EXPECT_EQ(attempts[1].stdout_path, runtime_.started()[1].stdout_path);
  EXPECT_NE(attempts[0].stdout_path, attempts[1].stdout_path);
  EXPECT_NE(attempts[0].stderr_path, attempts[1].stderr_path);
}

// A lost attempt used to give its number, and so its log files, to the next.
TEST_F(PauseTest, ALostAttemptIsKeptAndTheNextHasANumberAndLogFilesOfItsOwn) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}));  // one attempt allowed
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  scheduler_->post_task_event({WEFT_EVENT_LOST, runtime_.started()[0].task_key, "", 0, "", "node rebooted"});
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(runtime_.started()[1].attempt, 2);
  EXPECT_NE(runtime_.started()[1].stdout_path, runtime_.started()[0].stdout_path);
  ASSERT_TRUE(eventually([&] { return attempts_of(id, "a").size() == 2; }));
  const auto lost = attempts_of(id, "a")[0];
  EXPECT_EQ(lost.status, TaskStatus::failed);
  EXPECT_EQ(lost.error, "lost: node rebooted");
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

// An attempt that ends while a write is under way, and whose next attempt
// starts before that write lands, was left stored as running: the next
// batch wrote only the task's new attempt.
TEST_F(PauseTest, AnAttemptThatEndsWhileAWriteIsUnderWayIsStoredAsEnded) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}, {{"id", "b"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 2 && attempts_of(id, "a").size() == 1; }));
  const size_t of_a = runtime_.started()[0].node == "a" ? 0 : 1;
  {
    const std::lock_guard slow_database(store_.store->write_gate);
    const int writes = store_.store->write_calls;
    finish(runtime_.started()[1 - of_a], 0);
    ASSERT_TRUE(eventually([&] { return store_.store->write_calls > writes; }));
    scheduler_->post_task_event({WEFT_EVENT_LOST, runtime_.started()[of_a].task_key, "", 0, "", "node rebooted"});
    settle_loop();  // the next attempt is dispatched, its start waiting on the store
  }
  ASSERT_TRUE(eventually([&] { return started() == 3; }));
  ASSERT_TRUE(eventually([&] { return attempts_of(id, "a").size() == 2; }));
  const auto lost = attempts_of(id, "a")[0];
  EXPECT_EQ(lost.status, TaskStatus::failed);
  EXPECT_EQ(lost.error, "lost: node rebooted");
  EXPECT_GT(lost.finished_at, 0);
  EXPECT_EQ(attempts_of(id, "a")[1].status, TaskStatus::running);
}

// Before the budget was stored, a restart during a retried run counted the
// attempts from 0 again: the retried task then had none left.
TEST_F(PauseTest, TheAttemptBudgetOfARetriedRunSurvivesARestart) {
  const json retry = {{"max_attempts", 2}, {"backoff_s", 1}, {"backoff_factor", 1}, {"max_backoff_s", 1}};
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"retry", retry}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 1);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
  clock_.advance(2s);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  finish(runtime_.started()[1], 1);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  ASSERT_TRUE(scheduler_->retry_run(id));
  ASSERT_TRUE(eventually([&] { return started() == 3; }));
  report_started(2);
  clock_.advance(100ms);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::running); }));
  stop_scheduler();
  start_scheduler();
  ASSERT_TRUE(eventually([&] { return runtime_.recovered().size() == 1; }));
  finish(runtime_.recovered()[0], 1);  // the retried run's first attempt: one more is left
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
  clock_.advance(2s);
  ASSERT_TRUE(eventually([&] { return started() == 4; }));
  EXPECT_EQ(runtime_.started()[3].attempt, 4);
  finish(runtime_.started()[3], 1);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_EQ(stored_task(id, "a")->attempt, 4);
}

// Before its start was stored, retry.max_duration_s counted from the latest
// attempt after a restart, which let a task retry past its budget.
TEST_F(PauseTest, TheRetryTimeBudgetCountsFromTheFirstAttemptAcrossARestart) {
  const json retry = {
      {"max_attempts", 10}, {"backoff_s", 10}, {"backoff_factor", 1}, {"max_backoff_s", 10}, {"max_duration_s", 15}};
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}, {"retry", retry}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 1);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::retrying); }));
  clock_.advance(12s);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  report_started(1);
  clock_.advance(100ms);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::running); }));
  stop_scheduler();
  start_scheduler();
  ASSERT_TRUE(eventually([&] { return runtime_.recovered().size() == 1; }));
  finish(runtime_.recovered()[0], 1);  // at 12 s: a third attempt would start past 15 s
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_THAT(stored_task(id, "a")->error, HasSubstr("retry.max_duration_s"));
  EXPECT_EQ(started(), 2u);
}

// ---- a store of ABI 2.0 -----------------------------------------------------

class PauseOnAbi20StoreTest : public PauseTest {
 protected:
  PauseOnAbi20StoreTest() {
    store_ = open_memory_store(StoreAbi::v2_0);
    client_ = store_.client.get();
  }
};

TEST_F(PauseOnAbi20StoreTest, PausingIsRefusedSayingTheStoreIsTooOldAndTheRunGoesOn) {
  const auto id = run_chain();
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  const auto paused = scheduler_->pause_run(id);
  ASSERT_FALSE(paused);
  EXPECT_EQ(paused.failure().code, ErrorCode::conflict);
  EXPECT_THAT(paused.failure().message, HasSubstr("ABI 2.0"));
  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

}  // namespace
}  // namespace weft::test
