// The conformance suite for a store's queues (ABI 2.1: claim_messages,
// list_queues, list_messages, and the messages of a write batch), on top of
// the suite every store passes. Include this header in one .cpp and
// instantiate it beside the others:
//
//   WEFT_STORE_CONFORMANCE(Sqlite, store_under_test);
//   WEFT_QUEUE_STORE_CONFORMANCE(Sqlite, store_under_test);
#pragma once

#include <weft/sdk/testing/store_conformance.hpp>

#include <mutex>
#include <set>
#include <thread>

namespace weft::sdk::testing {

class QueueStoreConformance : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    ASSERT_TRUE(store().keeps_queues()) << GetParam().name << " has not the functions of a store with queues";
  }
  static MessageRecord message(std::string queue, std::string id, int64_t enqueued_at,
                               std::string body = R"({"n":1})") {
    return {std::move(queue), std::move(id), std::move(body), enqueued_at};
  }
  void enqueue(const std::vector<MessageRecord>& messages) {
    WriteBatch batch;
    batch.messages = messages;
    put(batch);
  }
  // Delivers each message to a run of its own, keyed by the message and its delivery, with one task.
  static Store::Delivery to_new_runs() {
    return [](const MessageRecord& m) -> std::optional<WriteBatch> {
      RunRecord r = run("run-" + m.id + "-" + std::to_string(m.deliveries), 2000);
      r.idempotency_key = "queue/" + m.queue + "/" + std::to_string(m.deliveries) + "/" + m.id;
      r.params_json = R"({"message":)" + m.body_json + "}";
      return WriteBatch{{}, {r}, {task(r.id, "consume", -1)}, {}};
    };
  }
  // The end of a delivery, as the host writes it with the run's final state.
  static MessageRecord ended(const MessageRecord& delivered, MessageState state, std::string error = {}) {
    MessageRecord m = delivered;
    m.state = state;
    m.error = std::move(error);
    m.failed_at = state == MessageState::dead ? 5000 : 0;
    return m;
  }
  void end(const MessageRecord& delivered, MessageState state, std::string error = {}) {
    WriteBatch batch;
    batch.messages = {ended(delivered, state, std::move(error))};
    put(batch);
  }
  static std::vector<std::string> ids(const std::vector<MessageRecord>& messages) {
    std::vector<std::string> found;
    for (const auto& m : messages) found.push_back(m.id);
    return found;
  }
};

TEST_P(QueueStoreConformance, EnqueuedMessagesAreListedReadyOldestFirstWithEveryField) {
  enqueue(
      {message("jobs", "b", 20, R"({"file":"x\"y","n":[1,2]})"), message("jobs", "a", 20), message("jobs", "c", 10)});
  const auto ready = store().list_messages("jobs", MessageState::ready);
  EXPECT_EQ(ids(ready), (std::vector<std::string>{"c", "a", "b"})) << "by enqueued_at, then id";
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_EQ(ready[2], message("jobs", "b", 20, R"({"file":"x\"y","n":[1,2]})"));
  EXPECT_TRUE(store().list_messages("other", MessageState::ready).empty());
  EXPECT_EQ(store().list_queues(), (std::vector<QueueCounts>{{"jobs", 3, 0, 0}}));
}

TEST_P(QueueStoreConformance, EnqueuingAnIdAgainAddsNothingEvenOnceItIsDone) {
  enqueue({message("jobs", "a", 10)});
  enqueue({message("jobs", "a", 11, R"({"n":2})")});
  EXPECT_EQ(store().list_messages("jobs", MessageState::ready), std::vector<MessageRecord>{message("jobs", "a", 10)});
  const auto claim = store().claim_messages("jobs", 5, "", to_new_runs());
  ASSERT_EQ(claim.status, WEFT_OK) << claim.message;
  ASSERT_EQ(claim.delivered.size(), 1u);
  end(claim.delivered[0], MessageState::done);
  enqueue({message("jobs", "a", 12)});
  EXPECT_TRUE(store().list_messages("jobs", MessageState::ready).empty()) << "a producer re-run enqueued it twice";
  EXPECT_EQ(store().list_queues(), (std::vector<QueueCounts>{{"jobs", 0, 0, 0}}));
}

TEST_P(QueueStoreConformance, DoneMessagesEnqueuedBeforeTheBoundArePrunedOldestFirstUpToTheLimit) {
  enqueue({message("jobs", "a", 10), message("jobs", "b", 20), message("jobs", "c", 30), message("other", "d", 15),
           message("jobs", "e", 40)});
  const auto claim = store().claim_messages("jobs", 10, "", to_new_runs());
  ASSERT_EQ(claim.status, WEFT_OK) << claim.message;
  for (const auto& m : claim.delivered) end(m, MessageState::done);
  const auto other = store().claim_messages("other", 10, "", to_new_runs()).delivered;
  ASSERT_EQ(other.size(), 1u);
  end(other[0], MessageState::done);
  WriteBatch prune;
  prune.message_prune_before = 40;
  prune.message_prune_limit = 3;
  put(prune);
  enqueue({message("jobs", "a", 50), message("other", "d", 50), message("jobs", "c", 50), message("jobs", "e", 50)});
  EXPECT_EQ(ids(store().list_messages("jobs", MessageState::ready)), (std::vector<std::string>{"a"}))
      << "a (10) and, in queue other, d (15) were pruned with b (20): an enqueue of a adds it again; c (30) is past "
         "the limit and e (40) not before the bound, so both still refuse theirs";
  EXPECT_EQ(ids(store().list_messages("other", MessageState::ready)), (std::vector<std::string>{"d"}));
}

TEST_P(QueueStoreConformance, PruningLeavesMessagesThatAreNotDone) {
  enqueue({message("jobs", "ready", 10), message("jobs", "taken", 5), message("jobs", "dead", 1)});
  const auto claim = store().claim_messages("jobs", 2, "", to_new_runs());
  ASSERT_EQ(ids(claim.delivered), (std::vector<std::string>{"dead", "taken"}));
  end(claim.delivered[0], MessageState::dead, "failed");
  WriteBatch prune;
  prune.message_prune_before = 1000;
  prune.message_prune_limit = 100;
  put(prune);
  EXPECT_EQ(store().list_queues(), (std::vector<QueueCounts>{{"jobs", 1, 1, 1}}));
}

TEST_P(QueueStoreConformance, AClaimWritesEachMessagesRunWithItAndMarksItTaken) {
  enqueue({message("jobs", "a", 10), message("jobs", "b", 20), message("jobs", "c", 30), message("other", "z", 1)});
  const auto claim = store().claim_messages("jobs", 2, "", to_new_runs());
  ASSERT_EQ(claim.status, WEFT_OK) << claim.message;
  ASSERT_EQ(ids(claim.delivered), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(claim.delivered[0].state, MessageState::taken);
  EXPECT_EQ(claim.delivered[0].deliveries, 1);
  EXPECT_EQ(claim.delivered[0].run_id, "run-a-1");
  const auto run_a = store().get_run("run-a-1");
  ASSERT_TRUE(run_a.has_value()) << "the run was not written with the claim";
  EXPECT_EQ(run_a->params_json, R"({"message":{"n":1}})");
  EXPECT_EQ(names(store().list_tasks("run-a-1")), (std::vector<std::string>{"consume[-1]"}));
  EXPECT_EQ(store().list_messages("jobs", MessageState::taken), claim.delivered);
  EXPECT_EQ(store().list_queues(), (std::vector<QueueCounts>{{"jobs", 1, 2, 0}, {"other", 1, 0, 0}}));
}

TEST_P(QueueStoreConformance, AClaimCountsTheMessagesTakenAlready) {
  enqueue({message("jobs", "a", 10), message("jobs", "b", 20), message("jobs", "c", 30)});
  EXPECT_EQ(store().claim_messages("jobs", 2, "", to_new_runs()).delivered.size(), 2u);
  EXPECT_TRUE(store().claim_messages("jobs", 2, "", to_new_runs()).delivered.empty()) << "max_taken exceeded";
  end(store().list_messages("jobs", MessageState::taken)[0], MessageState::done);
  EXPECT_EQ(ids(store().claim_messages("jobs", 2, "", to_new_runs()).delivered), std::vector<std::string>{"c"});
}

TEST_P(QueueStoreConformance, ADeliveryThatGivesNoBatchLeavesItsMessageReady) {
  enqueue({message("jobs", "a", 10), message("jobs", "b", 20)});
  int asked = 0;
  const auto claim = store().claim_messages("jobs", 5, "", [&](const MessageRecord& m) -> std::optional<WriteBatch> {
    if (++asked > 1) return std::nullopt;
    return to_new_runs()(m);
  });
  ASSERT_EQ(claim.status, WEFT_OK) << claim.message;
  EXPECT_EQ(ids(claim.delivered), std::vector<std::string>{"a"});
  EXPECT_EQ(ids(store().list_messages("jobs", MessageState::ready)), std::vector<std::string>{"b"});
}

TEST_P(QueueStoreConformance, AClaimIsOneTransaction) {
  put_runs({run("holder", 1)});
  enqueue({message("jobs", "a", 10), message("jobs", "b", 20)});
  const auto claim = store().claim_messages("jobs", 5, "", [](const MessageRecord& m) -> std::optional<WriteBatch> {
    auto batch = to_new_runs()(m);
    if (m.id == "b") batch->runs[0].idempotency_key = "key-holder";  // held by another run: a conflict
    return batch;
  });
  EXPECT_EQ(claim.status, WEFT_CONFLICT) << claim.message;
  EXPECT_FALSE(store().get_run("run-a-1").has_value()) << "the first delivery's run was kept";
  EXPECT_EQ(ids(store().list_messages("jobs", MessageState::ready)), (std::vector<std::string>{"a", "b"}));
}

TEST_P(QueueStoreConformance, AnEndOfDeliveryAppliesOnlyToTheRunTheMessageWasDeliveredTo) {
  enqueue({message("jobs", "a", 10)});
  const auto delivered = store().claim_messages("jobs", 5, "", to_new_runs()).delivered;
  ASSERT_EQ(delivered.size(), 1u);
  MessageRecord stale = ended(delivered[0], MessageState::dead, "late");
  stale.run_id = "another-run";
  WriteBatch batch{{}, {run("run-x", 3)}, {}, {}};
  batch.messages = {stale};
  put(batch);
  EXPECT_TRUE(store().get_run("run-x").has_value()) << "the rest of the batch is written";
  EXPECT_EQ(store().list_messages("jobs", MessageState::taken), delivered);
  end(delivered[0], MessageState::dead, "exit code 3");
  const auto dead = store().list_messages("jobs", MessageState::dead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0], ended(delivered[0], MessageState::dead, "exit code 3"));
  end(delivered[0], MessageState::done);
  EXPECT_EQ(store().list_messages("jobs", MessageState::dead).size(), 1u) << "a dead message was ended again";
  EXPECT_EQ(store().list_queues(), (std::vector<QueueCounts>{{"jobs", 0, 0, 1}}));
}

TEST_P(QueueStoreConformance, ARedriveMakesADeadMessageReadyAndItsNextDeliveryCounts) {
  enqueue({message("jobs", "a", 10, R"({"keep":true})")});
  const auto first = store().claim_messages("jobs", 5, "", to_new_runs()).delivered;
  ASSERT_EQ(first.size(), 1u);
  end(first[0], MessageState::dead, "failed");
  enqueue({message("jobs", "a", 99, R"({"other":1})")});
  const auto ready = store().list_messages("jobs", MessageState::ready);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].body_json, R"({"keep":true})") << "a redrive keeps the body";
  EXPECT_TRUE(ready[0].error.empty());
  const auto second = store().claim_messages("jobs", 5, "", to_new_runs());
  ASSERT_EQ(second.status, WEFT_OK) << second.message;
  ASSERT_EQ(second.delivered.size(), 1u);
  EXPECT_EQ(second.delivered[0].deliveries, 2);
  EXPECT_EQ(second.delivered[0].run_id, "run-a-2");
}

TEST_P(QueueStoreConformance, MessagesArePagedAfterAnId) {
  std::vector<MessageRecord> many;
  for (int i = 0; i < 7; ++i) many.push_back(message("jobs", "m" + std::to_string(i), 100 + i));
  enqueue(many);
  std::vector<std::string> walked;
  std::string after;
  for (int page = 0; page < 5; ++page) {
    const auto got = store().list_messages("jobs", MessageState::ready, after, 3);
    if (got.empty()) break;
    for (const auto& m : got) walked.push_back(m.id);
    after = got.back().id;
  }
  EXPECT_EQ(walked, ids(many));
}

TEST_P(QueueStoreConformance, AMessageWrittenTakenIsRefusedAndNothingIsStored) {
  MessageRecord taken = message("jobs", "a", 10);
  taken.state = MessageState::taken;
  taken.run_id = "run-1";
  WriteBatch batch{{}, {run("run-1", 1)}, {}, {}};
  batch.messages = {taken};
  const WriteResult result = store().write(batch);
  EXPECT_NE(result.status, WEFT_OK);
  EXPECT_FALSE(store().get_run("run-1").has_value());
}

TEST_P(QueueStoreConformance, MessagesAreKeptAcrossReopening) {
  enqueue({message("jobs", "a", 10)});
  reopen();
  EXPECT_EQ(ids(store().list_messages("jobs", MessageState::ready)), std::vector<std::string>{"a"});
}

TEST_P(QueueStoreConformance, TwoHandlesClaimingAtOnceNeverDeliverAMessageTwiceNorExceedMaxTaken) {
  std::vector<MessageRecord> many;
  for (int i = 0; i < 40; ++i) many.push_back(message("jobs", "m" + std::to_string(100 + i), i));
  enqueue(many);
  const StoreHandle other(vtable(), config());
  std::mutex mutex;
  std::multiset<std::string> delivered;
  const auto claim_from = [&](const StoreHandle& handle, const std::string& owner) {
    for (int round = 0; round < 20; ++round) {
      const auto claim = handle.claim_messages("jobs", 10, owner, to_new_runs());
      if (claim.status != WEFT_OK) continue;  // a lock timeout is allowed; a double delivery is not
      std::lock_guard lock(mutex);
      for (const auto& m : claim.delivered) delivered.insert(m.id);
    }
  };
  std::thread second([&] { claim_from(other, store().shared() ? "b" : ""); });
  claim_from(store(), store().shared() ? "a" : "");
  second.join();
  EXPECT_EQ(delivered.size(), 10u) << "max_taken 10 counts both handles' deliveries";
  EXPECT_EQ(std::set<std::string>(delivered.begin(), delivered.end()).size(), delivered.size())
      << "a message was delivered twice";
}

}  // namespace weft::sdk::testing

// Runs the queue suite against one store or several (see WEFT_STORE_CONFORMANCE).
#define WEFT_QUEUE_STORE_CONFORMANCE(prefix, ...)                                         \
  using weft::sdk::testing::QueueStoreConformance;                                        \
  INSTANTIATE_TEST_SUITE_P(prefix, QueueStoreConformance, ::testing::Values(__VA_ARGS__), \
                           [](const auto& info) { return info.param.name; })
