// The audit log's way through the scheduler, on virtual time: entries wait
// for the journal's next batch instead of a store write each, and a batch
// that carries them prunes entries past the retention.
#include "scheduler_fixture.hpp"

namespace weft::test {
namespace {

sdk::AuditRecord entry(int n, int64_t at) {
  return {"entry-" + std::to_string(100 + n), at, "t1", "operator", "run.start", "run-" + std::to_string(n), "", 202};
}

TEST_F(SchedulerTest, AuditEntriesGoToTheStoreTogetherWithinTheLazyDelay) {
  const int writes_before = store_.store->write_calls;
  for (int n = 0; n < 10; ++n) scheduler_->record_audit(entry(n, clock_.now_ms()));
  settle_loop();
  EXPECT_TRUE(client_->list_audit("", 0).empty()) << "stored before the journal's lazy delay";
  clock_.advance(50ms);
  ASSERT_TRUE(eventually([&] { return client_->list_audit("", 0).size() == 10; }));
  EXPECT_EQ(store_.store->write_calls - writes_before, 1);
  EXPECT_EQ(client_->list_audit("", 1).at(0).id, "entry-109");
}

// The first entry rides along with the new run's batch before its lazy
// delay ends; that delay's end must not keep the next entry waiting for
// another state change that may never come.
TEST_F(SchedulerTest, AnEntryAfterOneThatRodeAlongWithOtherChangesIsStoredWithinTheLazyDelay) {
  scheduler_->record_audit(entry(0, clock_.now_ms()));
  settle_loop();
  run(workflow({{{"id", "a"}, {"type", "task"}}}));
  ASSERT_TRUE(eventually([&] { return client_->list_audit("", 0).size() == 1; }));
  clock_.advance(50ms);
  settle_loop();
  scheduler_->record_audit(entry(1, clock_.now_ms()));
  settle_loop();
  clock_.advance(50ms);
  EXPECT_TRUE(eventually([&] { return client_->list_audit("", 0).size() == 2; }));
}

TEST_F(SchedulerTest, ABatchOfAuditEntriesPrunesThoseOlderThanTheRetention) {
  audit_retention_ = std::chrono::hours(24);
  restart_with(limits_);
  const int64_t day_ms = 24 * 3600 * 1000;
  sdk::WriteBatch old;
  old.audits = {entry(0, clock_.now_ms() - 2 * day_ms), entry(1, clock_.now_ms() - day_ms + 1000)};
  client_->write(old);
  scheduler_->record_audit(entry(2, clock_.now_ms()));
  settle_loop();
  clock_.advance(50ms);
  ASSERT_TRUE(eventually([&] { return client_->list_audit("", 1).at(0).id == "entry-102"; }));
  const auto kept = client_->list_audit("", 0);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept.at(1).id, "entry-101");
}

TEST_F(SchedulerTest, WithoutRetentionAuditEntriesAreKept) {
  sdk::WriteBatch old;
  old.audits = {entry(0, 1)};
  client_->write(old);
  scheduler_->record_audit(entry(1, clock_.now_ms()));
  settle_loop();
  clock_.advance(50ms);
  ASSERT_TRUE(eventually([&] { return client_->list_audit("", 0).size() == 2; }));
  EXPECT_EQ(client_->list_audit("", 0).at(1).id, "entry-100");
}

}  // namespace
}  // namespace weft::test
