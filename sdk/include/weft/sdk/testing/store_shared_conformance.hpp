// The conformance suite for stores that several weftd instances share (ABI
// 2.1: claim_runs, renew_leases, list_instances, claim_finished_run and
// fenced writes), on top of the suite every store passes. Include this
// header instead of store_conformance.hpp in one .cpp and instantiate both:
//
//   WEFT_STORE_CONFORMANCE(Postgres, store_under_test);
//   WEFT_SHARED_STORE_CONFORMANCE(Postgres, store_under_test);
//
// Each test opens the store twice, as two instances on two hosts would.
#pragma once

#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/store_conformance.hpp>

#include <chrono>
#include <set>
#include <thread>

namespace weft::sdk::testing {

class SharedStoreConformance : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    ASSERT_TRUE(store().shared()) << GetParam().name << " has not the functions of a shared store";
    other_.emplace(vtable(), config());
  }
  void TearDown() override {
    other_.reset();
    StoreConformance::TearDown();
  }
  // The same store, opened a second time: another instance's handle.
  const StoreHandle& other() const { return *other_; }

  // A batch that inserts or updates run id, fenced as held at generation.
  static WriteBatch run_batch(const std::string& id, int64_t generation, RunStatus status = RunStatus::running) {
    RunRecord r = run(id, 1000);
    r.status = status;
    WriteBatch batch{{}, {r}, {task(id, "a", -1)}, {}};
    batch.leases = {{id, generation}};
    return batch;
  }
  static constexpr int64_t kLong = 600000;  // a lease that does not run out during a test

 private:
  std::optional<StoreHandle> other_;
};

inline std::vector<RunLease> sorted(std::vector<RunLease> leases) {
  std::sort(leases.begin(), leases.end(), [](const auto& a, const auto& b) { return a.run_id < b.run_id; });
  return leases;
}

TEST_P(SharedStoreConformance, ClaimTakesUnfinishedRunsNoInstanceHoldsOnce) {
  auto done = run("run-3", 3);
  done.status = RunStatus::succeeded;
  put_runs({run("run-1", 1), run("run-2", 2), done});
  EXPECT_EQ(sorted(store().claim_runs("a", kLong, 10, {})), (std::vector<RunLease>{{"run-1", 1}, {"run-2", 1}}));
  EXPECT_TRUE(other().claim_runs("b", kLong, 10, {}).empty());
  EXPECT_TRUE(store().claim_runs("a", kLong, 10, {}).empty()) << "a claim takes only what no instance holds";
}

TEST_P(SharedStoreConformance, ClaimStopsAtMaxOldestFirst) {
  put_runs({run("run-1", 3), run("run-2", 1), run("run-3", 2)});
  EXPECT_EQ(sorted(store().claim_runs("a", kLong, 2, {})), (std::vector<RunLease>{{"run-2", 1}, {"run-3", 1}}));
}

TEST_P(SharedStoreConformance, ARunInsertedByAFencedWriteIsHeldByItsWriter) {
  const WriteResult written = store().write_as(run_batch("run-1", 1), "a", kLong);
  ASSERT_EQ(written.status, WEFT_OK) << written.message;
  EXPECT_TRUE(other().claim_runs("b", kLong, 10, {}).empty());
  EXPECT_EQ(store().renew_leases("a", "host-a:8080", kLong), (std::vector<RunLease>{{"run-1", 1}}));
  EXPECT_TRUE(other().renew_leases("b", "host-b:8080", kLong).empty());
}

TEST_P(SharedStoreConformance, ALeaseThatRanOutIsClaimedAtTheNextGeneration) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", 1).status, WEFT_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(other().claim_runs("b", kLong, 10, {}), (std::vector<RunLease>{{"run-1", 2}}));
  EXPECT_TRUE(store().renew_leases("a", "host-a:8080", kLong).empty()) << "a lost it";
  EXPECT_EQ(other().renew_leases("b", "host-b:8080", kLong), (std::vector<RunLease>{{"run-1", 2}}));
}

// A takeover regardless of room: only runs whose holder stopped renewing.
TEST_P(SharedStoreConformance, ALapsedOnlyClaimLeavesRunsStoredUnheld) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", 1).status, WEFT_OK);
  put_runs({run("run-0", 0)});  // unfenced: unheld, and older
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(other().claim_runs("b", kLong, 10, {.unheld = false}), (std::vector<RunLease>{{"run-1", 2}}));
  EXPECT_EQ(other().claim_runs("b", kLong, 10, {}), (std::vector<RunLease>{{"run-0", 1}}));
}

TEST_P(SharedStoreConformance, RenewingKeepsALeaseFromRunningOut) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", 1).status, WEFT_OK);
  store().renew_leases("a", "host-a:8080", kLong);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(other().claim_runs("b", kLong, 10, {}).empty());
}

TEST_P(SharedStoreConformance, AWriteOfAnInstanceThatLostTheLeaseIsRefusedWhole) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", 1).status, WEFT_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(other().claim_runs("b", kLong, 10, {}).size(), 1u);

  WriteBatch late = run_batch("run-1", 1, RunStatus::failed);
  late.tasks.push_back(task("run-1", "b", -1));
  late.tokens.push_back(token("tok-1"));
  late.attempts.push_back(attempt("run-1", "a", -1, 1));
  late.schedule_states.push_back({"etl", true, 1700000000000});
  const WriteResult refused = store().write_as(late, "a", kLong);
  EXPECT_EQ(refused.status, WEFT_LEASE_LOST) << refused.message;
  EXPECT_NE(refused.message.find("run-1"), std::string::npos) << refused.message;
  EXPECT_EQ(store().get_run("run-1")->status, RunStatus::running);
  EXPECT_EQ(names(store().list_tasks("run-1")), (std::vector<std::string>{"a[-1]"}));
  EXPECT_TRUE(store().list_tokens().empty()) << "nothing of a refused batch is stored";
  EXPECT_TRUE(store().list_attempts("run-1").empty()) << "nothing of a refused batch is stored";
  EXPECT_TRUE(store().list_schedule_states().empty()) << "nothing of a refused batch is stored";

  const WriteResult by_new_owner = other().write_as(run_batch("run-1", 2, RunStatus::failed), "b", kLong);
  EXPECT_EQ(by_new_owner.status, WEFT_OK) << by_new_owner.message;
  EXPECT_EQ(store().get_run("run-1")->status, RunStatus::failed);
}

TEST_P(SharedStoreConformance, AWriteAtAnOlderGenerationIsRefusedEvenByTheSameInstance) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", kLong).status, WEFT_OK);
  EXPECT_EQ(store().claim_runs("a", kLong, 10, {.own = true}), (std::vector<RunLease>{{"run-1", 2}}));
  EXPECT_EQ(store().write_as(run_batch("run-1", 1), "a", kLong).status, WEFT_LEASE_LOST);
  EXPECT_EQ(store().write_as(run_batch("run-1", 2), "a", kLong).status, WEFT_OK);
}

TEST_P(SharedStoreConformance, TakeOwnClaimsTheInstancesOwnRunsOnlyForIt) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", kLong).status, WEFT_OK);
  EXPECT_TRUE(other().claim_runs("b", kLong, 10, {.own = true}).empty());
  EXPECT_EQ(store().claim_runs("a", kLong, 10, {.own = true}), (std::vector<RunLease>{{"run-1", 2}}));
}

// A paused run is unfinished: held, renewed and passed on like a running one.
TEST_P(SharedStoreConformance, APausedRunIsRenewedAndItsLeaseThatRanOutClaimed) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1, RunStatus::paused), "a", kLong).status, WEFT_OK);
  EXPECT_EQ(store().renew_leases("a", "host-a:8080", 1), (std::vector<RunLease>{{"run-1", 1}}));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(other().claim_runs("b", kLong, 10, {}), (std::vector<RunLease>{{"run-1", 2}}));
  EXPECT_EQ(other().get_run("run-1")->status, RunStatus::paused);
}

TEST_P(SharedStoreConformance, FinishedRunsAreNeitherRenewedNorClaimed) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", 1).status, WEFT_OK);
  ASSERT_EQ(store().write_as(run_batch("run-1", 1, RunStatus::succeeded), "a", 1).status, WEFT_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(store().renew_leases("a", "host-a:8080", kLong).empty());
  EXPECT_TRUE(other().claim_runs("b", kLong, 10, {}).empty());
}

// A retry takes the run at the next generation, so that the instance that
// finished it (or one retrying it too) can no longer write it.
TEST_P(SharedStoreConformance, AFinishedRunIsClaimedToRetryItAtTheNextGeneration) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1, RunStatus::failed), "a", kLong).status, WEFT_OK);
  const auto claimed = other().claim_finished_run("b", "run-1", kLong);
  ASSERT_EQ(claimed.status, WEFT_OK) << claimed.message;
  EXPECT_EQ(claimed.generation, 2);
  EXPECT_EQ(store().write_as(run_batch("run-1", 1, RunStatus::failed), "a", kLong).status, WEFT_LEASE_LOST);
  ASSERT_EQ(other().write_as(run_batch("run-1", 2), "b", kLong).status, WEFT_OK);
  EXPECT_EQ(other().renew_leases("b", "host-b:8080", kLong), (std::vector<RunLease>{{"run-1", 2}}));
  EXPECT_TRUE(store().claim_runs("a", kLong, 10, {}).empty()) << "the retried run is b's";
}

// LISTEN/NOTIFY or the like, for a store that declares it (wakes_instances):
// a run stored unheld wakes the other instances, once committed, so that
// one with room claims it at once; a run its writer holds wakes nobody.
TEST_P(SharedStoreConformance, ARunStoredUnheldWakesTheInstancesSharingTheStore) {
  if (!GetParam().wakes_instances) GTEST_SKIP() << GetParam().name << " does not declare wakes_instances";
  FakeHost host;
  const StoreHandle listening(vtable(), config(), host.api());
  // Its listening may start after open returns: store runs until one wakes it.
  bool woken = false;
  std::string unheld;
  for (int i = 0; i < 50 && !woken; ++i) {
    unheld = "run-" + std::to_string(i);
    put_runs({run(unheld, i)});
    const size_t before = host.work_notices();
    woken = host.run_until([&] { return host.work_notices() > before; }, std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(woken) << "no work_available within 10 s of storing runs unheld";
  EXPECT_FALSE(listening.claim_runs("b", kLong, 100, {}).empty()) << "woken before the run was committed";

  host.run_until([] { return false; }, std::chrono::milliseconds(300));  // notices still under way
  const size_t before_held = host.work_notices();
  ASSERT_EQ(store().write_as(run_batch("held-1", 1), "a", kLong).status, WEFT_OK);
  host.run_until([] { return false; }, std::chrono::milliseconds(300));
  EXPECT_EQ(host.work_notices(), before_held) << "a run its writer holds woke an instance";
}

TEST_P(SharedStoreConformance, AnUnfinishedRunCannotBeClaimedToRetryIt) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", kLong).status, WEFT_OK);
  EXPECT_EQ(other().claim_finished_run("b", "run-1", kLong).status, WEFT_CONFLICT);
  EXPECT_EQ(other().claim_finished_run("b", "run-2", kLong).status, WEFT_NOT_FOUND);
  EXPECT_EQ(store().write_as(run_batch("run-1", 1), "a", kLong).status, WEFT_OK) << "a still holds it";
}

TEST_P(SharedStoreConformance, OfTwoInstancesRetryingOneRunOnlyTheLastCanWriteIt) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1, RunStatus::failed), "a", kLong).status, WEFT_OK);
  const auto first = store().claim_finished_run("a", "run-1", kLong);
  const auto second = other().claim_finished_run("b", "run-1", kLong);
  ASSERT_EQ(first.status, WEFT_OK) << first.message;
  ASSERT_EQ(second.status, WEFT_OK) << second.message;
  EXPECT_GT(second.generation, first.generation);
  EXPECT_EQ(store().write_as(run_batch("run-1", first.generation), "a", kLong).status, WEFT_LEASE_LOST);
  EXPECT_EQ(other().write_as(run_batch("run-1", second.generation), "b", kLong).status, WEFT_OK);
}

TEST_P(SharedStoreConformance, InstancesAreListedWithTheirHeartbeatAndTheRunsTheyHold) {
  ASSERT_EQ(store().write_as(run_batch("run-1", 1), "a", kLong).status, WEFT_OK);
  ASSERT_EQ(store().write_as(run_batch("run-2", 1), "a", kLong).status, WEFT_OK);
  const auto before =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  store().renew_leases("a", "host-a:8080", kLong);
  other().renew_leases("b", "host-b:8081", kLong);
  const auto instances = store().list_instances();
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_EQ(instances[0].id, "a");
  EXPECT_EQ(instances[0].address, "host-a:8080");
  EXPECT_EQ(instances[0].runs_held, 2);
  EXPECT_EQ(instances[1].id, "b");
  EXPECT_EQ(instances[1].runs_held, 0);
  // The store's clock, which may differ a little from this host's.
  EXPECT_NEAR(static_cast<double>(instances[0].heartbeat_at), static_cast<double>(before), 60000.0);
}

TEST_P(SharedStoreConformance, TwoInstancesClaimingAtOnceNeverGetTheSameRun) {
  constexpr int kRuns = 200;
  std::vector<RunRecord> runs;
  for (int i = 0; i < kRuns; ++i) runs.push_back(run("run-" + std::to_string(1000 + i), i));
  put_runs(runs);
  std::vector<RunLease> by_a;
  std::vector<RunLease> by_b;
  const auto claim_all = [](const StoreHandle& handle, const char* instance, std::vector<RunLease>& out) {
    for (;;) {
      auto claimed = handle.claim_runs(instance, kLong, 7, {});
      if (claimed.empty()) return;
      out.insert(out.end(), claimed.begin(), claimed.end());
    }
  };
  std::thread a([&] { claim_all(store(), "a", by_a); });
  claim_all(other(), "b", by_b);
  a.join();
  std::set<std::string> all;
  for (const auto& lease : by_a) all.insert(lease.run_id);
  for (const auto& lease : by_b) all.insert(lease.run_id);
  EXPECT_EQ(all.size(), size_t{kRuns});
  EXPECT_EQ(by_a.size() + by_b.size(), size_t{kRuns}) << "a run was claimed twice";
}

}  // namespace weft::sdk::testing

// Runs the shared-store suite against one store or several (see WEFT_STORE_CONFORMANCE).
#define WEFT_SHARED_STORE_CONFORMANCE(prefix, ...)                                         \
  using weft::sdk::testing::SharedStoreConformance;                                        \
  INSTANTIATE_TEST_SUITE_P(prefix, SharedStoreConformance, ::testing::Values(__VA_ARGS__), \
                           [](const auto& info) { return info.param.name; })
