// The scheduler on a store that instances share (a SharedMemoryStore whose
// leases run on the test's virtual clock): it renews its leases every third
// of a lease, takes over a run whose holder stopped renewing once its lease
// has run out (not before), paused or not, lets go of a run another
// instance took, and fences the writes of a retry like any other.
#include "scheduler_fixture.hpp"
#include "shared_memory_store.hpp"

namespace weft::test {
namespace {

class SharedStoreSchedulerTest : public SchedulerTest {
 protected:
  SharedStoreSchedulerTest() {
    client_ = shared_.client.get();
    leases_ = {"instance-a", "127.0.0.1:8080", 30s};
  }

  int64_t heartbeat_of(const std::string& instance) const {
    for (const auto& i : shared_.client->list_instances()) {
      if (i.id == instance) return i.heartbeat_at;
    }
    return -1;
  }
  // Moves time on by one renewal interval and waits until the renewal ran.
  void next_renewal() {
    clock_.advance(10s);
    ASSERT_TRUE(eventually([&] { return heartbeat_of(leases_.instance) == clock_.now_ms(); }));
  }
  std::vector<sdk::RunLease> claim_as_other_instance() {
    return shared_.store->claim_runs("instance-b", 30000, 10, {});
  }
  // With one slot: a run whose task takes it, then a run created without room.
  std::pair<std::string, std::string> one_run_held_and_one_stored_unheld() {
    restart_with({.max_running_tasks = 1});
    const auto held = run(workflow({{{"id", "a"}, {"type", "task"}}}));
    EXPECT_TRUE(eventually([&] { return started() == 1; }));
    const auto unheld = run(workflow({{{"id", "a"}, {"type", "task"}}}));
    EXPECT_TRUE(eventually([&] { return run_is(unheld, RunStatus::queued); }));
    return {held, unheld};
  }

  OpenedSharedMemoryStore shared_ = open_shared_memory_store([this] { return clock_.now_ms(); });
};

TEST_F(SharedStoreSchedulerTest, ARunsLeaseIsRenewedEveryThirdOfALeaseAndNeverRunsOut) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  for (int renewal = 0; renewal < 6; ++renewal) next_renewal();  // two leases' time
  EXPECT_TRUE(claim_as_other_instance().empty());
  finish(runtime_.started()[0], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(SharedStoreSchedulerTest, ARunWhoseHolderDiedIsTakenOverOnceItsLeaseRanOutAndItsTaskRecovered) {
  leases_.instance = "instance-dead";
  stop_scheduler();
  start_scheduler();
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1 && task_is(id, "a", TaskStatus::dispatched); }));
  stop_scheduler();  // as SIGKILL would: no more renewals

  leases_.instance = "instance-a";
  start_scheduler();
  for (int renewal = 0; renewal < 3; ++renewal) next_renewal();  // the lease runs out at 30 s, not before
  EXPECT_TRUE(runtime_.recovered().empty()) << "taken over while its lease held";
  next_renewal();
  ASSERT_TRUE(eventually([&] { return runtime_.recovered().size() == 1; }));
  EXPECT_EQ(runtime_.recovered()[0].task_key, runtime_.started()[0].task_key);
  EXPECT_EQ(started(), 1u) << "the task was recovered through its executor, not started again";
  finish(runtime_.recovered()[0], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
  EXPECT_EQ(shared_.store->renew_leases("instance-a", "", 30000).size(), 0u) << "a finished run is held no more";
}

TEST_F(SharedStoreSchedulerTest, APausedRunTakenOverStaysPausedUntilTheNewHolderResumesIt) {
  leases_.instance = "instance-dead";
  stop_scheduler();
  start_scheduler();
  const auto id =
      run(workflow({{{"id", "a"}, {"type", "task"}}, {{"id", "b"}, {"type", "task"}, {"depends_on", {"a"}}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1 && task_is(id, "a", TaskStatus::dispatched); }));
  ASSERT_TRUE(scheduler_->pause_run(id));
  stop_scheduler();  // as SIGKILL would, with a still running

  leases_.instance = "instance-a";
  start_scheduler();
  for (int renewal = 0; renewal < 4; ++renewal) next_renewal();
  ASSERT_TRUE(eventually([&] { return runtime_.recovered().size() == 1; }));
  finish(runtime_.recovered()[0], 0);
  ASSERT_TRUE(eventually([&] { return task_is(id, "a", TaskStatus::succeeded); }));
  next_renewal();
  settle_loop();
  EXPECT_TRUE(run_is(id, RunStatus::paused));
  EXPECT_EQ(started(), 1u) << "b started in a paused run";
  EXPECT_TRUE(claim_as_other_instance().empty()) << "the paused run is held by its new holder";

  ASSERT_TRUE(scheduler_->resume_run(id));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(runtime_.started()[1].node, "b");
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(id, RunStatus::succeeded); }));
}

TEST_F(SharedStoreSchedulerTest, AnInstanceWhoseRunWasTakenOverCannotWriteItAndLetsItGo) {
  const auto taken = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1 && task_is(taken, "a", TaskStatus::dispatched); }));
  shared_.store->expire(taken);
  ASSERT_EQ(claim_as_other_instance(), (std::vector<sdk::RunLease>{{taken, 2}}));

  finish(runtime_.started()[0], 0);  // its end cannot be stored by this instance any more
  const auto kept = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  finish(runtime_.started()[1], 0);
  ASSERT_TRUE(eventually([&] { return run_is(kept, RunStatus::succeeded); }));
  EXPECT_TRUE(scheduler_->store_healthy());
  EXPECT_TRUE(task_is(taken, "a", TaskStatus::dispatched)) << "the refused write stored nothing";
  EXPECT_TRUE(run_is(taken, RunStatus::running));
  EXPECT_TRUE(runtime_.cancelled().empty()) << "the task is the new holder's to recover, not to be stopped";
  for (const auto& refused : {scheduler_->cancel_run(taken), scheduler_->pause_run(taken)}) {
    ASSERT_FALSE(refused) << "no longer under way here";
    EXPECT_EQ(refused.failure().code, ErrorCode::held_elsewhere);
    EXPECT_THAT(refused.failure().message, ::testing::HasSubstr("held by another weftd instance"));
  }
}

// The instance that finished a run, or another retrying it at the same
// time, holds it at an older generation than the retry: it can no longer
// write it. And the retry's own writes are fenced like any other: once
// another instance takes the retried run over, this one lets go of it.
TEST_F(SharedStoreSchedulerTest, ARetriedRunIsHeldAtTheNextGenerationAndItsWritesAreFenced) {
  const auto id = run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 1);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  const int64_t other = shared_.store->claim_finished_run("instance-b", id, 30000);  // b retrying it too
  EXPECT_EQ(other, 2);

  ASSERT_TRUE(scheduler_->retry_run(id));
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(shared_.store->renew_leases("instance-a", "", 30000), (std::vector<sdk::RunLease>{{id, 3}}));
  sdk::WriteBatch late;
  late.runs.push_back(*shared_.client->get_run(id));
  late.runs.back().status = RunStatus::failed;
  late.lease_owner = "instance-b";
  late.lease_ms = 30000;
  late.leases = {{id, other}};
  EXPECT_THROW(shared_.store->write(late), sdk::LeaseLost) << "b's retry came second";

  shared_.store->expire(id);
  ASSERT_EQ(claim_as_other_instance(), (std::vector<sdk::RunLease>{{id, 4}}));
  finish(runtime_.started()[1], 0);  // its end cannot be stored by this instance any more
  EXPECT_TRUE(eventually([&] { return scheduler_->figures()->runs.empty(); })) << "this instance let go of the run";
  EXPECT_TRUE(run_is(id, RunStatus::running)) << "the refused write stored nothing";
  EXPECT_TRUE(task_is(id, "a", TaskStatus::dispatched));
}

// Load sharing. Without room (its one slot taken, so the next ready task
// would wait), an instance stores a new run unheld, for whichever instance
// has room; once a slot of its own frees, it claims the run itself.
TEST_F(SharedStoreSchedulerTest, ARunCreatedWithoutRoomIsStoredUnheldAndClaimedOnceRoomComes) {
  const auto runs = one_run_held_and_one_stored_unheld();
  const std::string& first = runs.first;
  const std::string& second = runs.second;
  EXPECT_EQ(started(), 1u);
  EXPECT_EQ(shared_.store->renew_leases("instance-a", "", 30000), (std::vector<sdk::RunLease>{{first, 1}}))
      << "the second run is held by no instance";

  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(shared_.store->renew_leases("instance-a", "", 30000), (std::vector<sdk::RunLease>{{second, 1}}));
  finish(runtime_.started()[1], 0);
  EXPECT_TRUE(eventually([&] { return run_is(second, RunStatus::succeeded); }));
}

TEST_F(SharedStoreSchedulerTest, ARunStoredUnheldAndClaimedByAnotherInstanceIsLeftToIt) {
  const auto runs = one_run_held_and_one_stored_unheld();
  const std::string& first = runs.first;
  const std::string& second = runs.second;
  EXPECT_EQ(claim_as_other_instance(), (std::vector<sdk::RunLease>{{second, 1}}));

  finish(runtime_.started()[0], 0);
  ASSERT_TRUE(eventually([&] { return run_is(first, RunStatus::succeeded); }));
  boost::asio::post(*io_, [this] { scheduler_->work_available(); });
  settle_loop();
  EXPECT_EQ(started(), 1u) << "the run another instance claimed was started here too";
  EXPECT_TRUE(run_is(second, RunStatus::queued));
}

}  // namespace
}  // namespace weft::test
