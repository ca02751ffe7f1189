// Queue messages whose runs succeeded are kept for queues.done_retention_days
// to refuse a repeated enqueue, then pruned by the batches that carry
// messages, a bounded number at a time.
#include "scheduler_fixture.hpp"

namespace weft::test {
namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

class MessageRetention : public SchedulerTest {
 protected:
  // A message of queue "jobs" enqueued at enqueued_at, delivered to a run, and done.
  void store_done_message(const std::string& id, int64_t enqueued_at) {
    sdk::WriteBatch enqueue;
    enqueue.messages = {{"jobs", id, "{}", enqueued_at}};
    client_->write(enqueue);
    const auto delivered = client_->claim_messages("jobs", 1, [&](const sdk::MessageRecord& m) {
      sdk::RunRecord run;
      run.id = "run-" + m.id;
      run.workflow = "consumer";
      run.status = RunStatus::succeeded;
      return std::optional<sdk::WriteBatch>(sdk::WriteBatch{{}, {run}, {}, {}});
    });
    ASSERT_EQ(delivered.size(), 1u);
    sdk::WriteBatch end;
    end.messages = {delivered[0]};
    end.messages[0].state = sdk::MessageState::done;
    client_->write(end);
  }
  std::vector<std::string> done_ids() {
    std::vector<std::string> ids;
    for (const auto& m : client_->list_messages("jobs", sdk::MessageState::done, "", 0)) ids.push_back(m.id);
    return ids;
  }
};

TEST_F(MessageRetention, AnEnqueuePrunesDoneMessagesOlderThanTheRetention) {
  done_message_retention_ = std::chrono::hours(24);
  restart_with(limits_);
  store_done_message("old", clock_.now_ms() - 2 * kDayMs);
  store_done_message("recent", clock_.now_ms() - kDayMs + 60000);
  ASSERT_TRUE(scheduler_->enqueue("other", "{}"));
  ASSERT_TRUE(eventually([&] { return done_ids() == std::vector<std::string>{"recent"}; }));
}

TEST_F(MessageRetention, WithoutRetentionDoneMessagesAreKept) {
  store_done_message("old", clock_.now_ms() - 400 * kDayMs);
  ASSERT_TRUE(scheduler_->enqueue("other", "{}"));
  ASSERT_TRUE(eventually([&] { return client_->list_queues().size() == 2; }));
  EXPECT_EQ(done_ids(), std::vector<std::string>{"old"});
}

}  // namespace
}  // namespace weft::test
