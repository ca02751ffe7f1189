// The sqlite store's queues: messages enqueued and ended by write(), and
// delivered by claim_messages, which writes each message's run with it.
#include <string>

#include "sqlite_store.hpp"

namespace weft::storage::sqlite {
namespace {

constexpr const char* kMessageColumns =
    "queue, id, body_json, enqueued_at, state, deliveries, run_id, error, failed_at";

std::string select_messages() { return std::string("SELECT ") + kMessageColumns + " FROM messages"; }

// A stored DEAD message enqueued again is redriven; any other stored one stays as it is.
const std::string kEnqueue = std::string("INSERT INTO messages (") + kMessageColumns +
                             ") VALUES (?, ?, ?, ?, 'ready', 0, NULL, NULL, 0) ON CONFLICT (queue, id) DO UPDATE SET "
                             "state = 'ready', error = NULL, failed_at = 0 WHERE messages.state = 'dead'";
const std::string kEndDelivery =
    "UPDATE messages SET state = ?, error = ?, failed_at = ? WHERE queue = ? AND id = ? AND state = 'taken' AND "
    "run_id = ?";
// The oldest first, through the index messages_done.
const std::string kPruneDone =
    "DELETE FROM messages WHERE (queue, id) IN (SELECT queue, id FROM messages WHERE state = 'done' AND "
    "enqueued_at < ? ORDER BY enqueued_at LIMIT ?)";
const std::string kCountTaken = "SELECT count(*) FROM messages WHERE queue = ? AND state = 'taken'";
const std::string kOldestReady =
    select_messages() + " WHERE queue = ? AND state = 'ready' ORDER BY enqueued_at, id LIMIT ?";
const std::string kTake = "UPDATE messages SET state = 'taken', deliveries = ?, run_id = ? WHERE queue = ? AND id = ?";
const std::string kListQueues =
    "SELECT queue, sum(state = 'ready'), sum(state = 'taken'), sum(state = 'dead') FROM messages GROUP BY queue "
    "ORDER BY queue";
const std::string kListMessages = select_messages() + " WHERE queue = ? AND state = ? ORDER BY enqueued_at, id LIMIT ?";
const std::string kListMessagesAfter =
    select_messages() +
    " WHERE queue = ? AND state = ? AND (enqueued_at, id) > (SELECT enqueued_at, id FROM messages WHERE queue = ? AND "
    "id = ?) ORDER BY enqueued_at, id LIMIT ?";

sdk::MessageRecord read_message(const Query& row) {
  const std::string state = row.text(4);
  const auto parsed = sdk::parse_message_state(state);
  if (!parsed) {
    throw std::runtime_error("sqlite " + row.file().string() + ": message '" + row.text(1) + "' of queue '" +
                             row.text(0) + "' has the unknown state '" + state + "'");
  }
  return {row.text(0), row.text(1), row.text(2),   row.integer(3), *parsed, static_cast<int32_t>(row.integer(5)),
          row.text(6), row.text(7), row.integer(8)};
}

std::vector<sdk::MessageRecord> read_messages(Query& query) {
  std::vector<sdk::MessageRecord> messages;
  while (query.step()) messages.push_back(read_message(query));
  return messages;
}

}  // namespace

void SqliteStore::prune_done_messages(int64_t before, int64_t limit) {
  writer_.query(kPruneDone).bind(before).bind(limit).run();
}

void SqliteStore::put_message(const sdk::MessageRecord& message) {
  switch (message.state) {
    case sdk::MessageState::ready:
      writer_.query(kEnqueue)
          .bind(message.queue)
          .bind(message.id)
          .bind(message.body_json)
          .bind(message.enqueued_at)
          .run();
      return;
    case sdk::MessageState::dead:
    case sdk::MessageState::done:
      writer_.query(kEndDelivery)
          .bind(sdk::to_string(message.state))
          .bind(message.error)
          .bind(message.failed_at)
          .bind(message.queue)
          .bind(message.id)
          .bind(message.run_id)
          .run();
      return;
    case sdk::MessageState::taken: break;
  }
  throw std::invalid_argument("message '" + message.id + "' of queue '" + message.queue +
                              "': only claim_messages stores a message taken");
}

std::vector<sdk::MessageRecord> SqliteStore::claim_messages(std::string_view queue, int32_t max_taken,
                                                            std::string_view /*lease_owner: one instance*/,
                                                            int64_t /*lease_ms*/, const Delivery& deliver) {
  std::lock_guard lock(write_mutex_);
  Transaction transaction(writer_);
  auto counted = writer_.query(kCountTaken);
  counted.bind(queue);
  counted.step();
  const int64_t room = max_taken - counted.integer(0);
  if (room <= 0) return {};
  std::vector<sdk::MessageRecord> ready;
  {
    auto query = writer_.query(kOldestReady);
    query.bind(queue).bind(room);
    ready = read_messages(query);
  }
  std::vector<sdk::MessageRecord> delivered;
  for (auto& message : ready) {
    message.state = sdk::MessageState::taken;
    ++message.deliveries;
    const auto batch = deliver(message);
    if (!batch) break;
    if (batch->runs.empty()) throw std::invalid_argument("a message's delivery batch has no run");
    for (const auto& run : batch->runs) put_run(run);
    for (const auto& task : batch->tasks) put_task(task);
    message.run_id = batch->runs.front().id;
    writer_.query(kTake)
        .bind(int64_t{message.deliveries})
        .bind(message.run_id)
        .bind(message.queue)
        .bind(message.id)
        .run();
    delivered.push_back(std::move(message));
  }
  transaction.commit();
  return delivered;
}

std::vector<sdk::QueueCounts> SqliteStore::list_queues() {
  auto reader = readers_.lease();
  auto query = reader->query(kListQueues);
  std::vector<sdk::QueueCounts> queues;
  while (query.step()) queues.push_back({query.text(0), query.integer(1), query.integer(2), query.integer(3)});
  return queues;
}

std::vector<sdk::MessageRecord> SqliteStore::list_messages(std::string_view queue, sdk::MessageState state,
                                                           std::string_view after_id, int32_t limit) {
  auto reader = readers_.lease();
  auto query = reader->query(after_id.empty() ? kListMessages : kListMessagesAfter);
  query.bind(queue).bind(sdk::to_string(state));
  if (!after_id.empty()) query.bind(queue).bind(after_id);
  query.bind(int64_t{limit > 0 ? limit : -1});  // -1: no limit
  return read_messages(query);
}

}  // namespace weft::storage::sqlite
