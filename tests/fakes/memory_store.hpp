// A storage plugin in memory, served through the SDK's real C thunks, so that
// the daemon's StoreClient talks to it exactly as to the sqlite plugin.
#pragma once

#include "store/store_client.hpp"

#include <weft/sdk/store.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

namespace weft::test {

class MemoryStore : public sdk::Store {
 public:
  MemoryStore(const sdk::Host&, const nlohmann::json&) {}

  int schema_version() const override { return 1; }
  void write(const sdk::WriteBatch& batch) override;
  std::optional<sdk::WorkflowRecord> get_workflow(std::string_view name, int64_t version) override;
  std::vector<sdk::WorkflowRecord> list_workflows() override;
  std::optional<sdk::RunRecord> get_run(std::string_view id) override;
  std::vector<sdk::RunRecord> list_runs(const sdk::RunFilter& filter) override;
  std::vector<sdk::TaskRecord> list_tasks(std::string_view run_id) override;
  // A walk over every task: the SQL stores' index is what the conformance suite checks the answers of.
  std::vector<std::optional<sdk::TaskRecord>> find_cached(const std::vector<sdk::CacheLookup>& lookups) override;
  std::vector<sdk::TokenRecord> list_tokens() override;
  std::vector<sdk::AttemptRecord> list_attempts(std::string_view run_id) override;
  std::vector<sdk::ScheduleStateRecord> list_schedule_states() override;
  // Newest first, by id.
  std::vector<sdk::AuditRecord> list_audit(std::string_view before_id, int32_t limit) override;
  std::vector<sdk::MessageRecord> claim_messages(std::string_view queue, int32_t max_taken,
                                                 std::string_view lease_owner, int64_t lease_ms,
                                                 const Delivery& deliver) override;
  std::vector<sdk::QueueCounts> list_queues() override;
  std::vector<sdk::MessageRecord> list_messages(std::string_view queue, sdk::MessageState state,
                                                std::string_view after_id, int32_t limit) override;

  // While set, every read fails as a broken database would.
  std::atomic<bool> failing{false};
  // While set, every write fails as a full disk would, and stores nothing.
  std::atomic<bool> failing_writes{false};
  // Every call of write(), failed or not.
  std::atomic<int> write_calls{0};
  // Held by a test, writes wait (once counted in write_calls), as on a slow
  // database: changes made meanwhile gather behind the write under way.
  std::mutex write_gate;

 private:
  void fail_if_asked() const;
  void refuse_conflicts(const sdk::WriteBatch& batch) const;
  void put_message(const sdk::MessageRecord& message);
  void prune_done_messages(int64_t before, int64_t limit);
  void put_rows(const sdk::WriteBatch& batch);
  // Oldest first, as a store's index on (queue, state, enqueued_at, id) lists them.
  std::vector<sdk::MessageRecord> messages_in(std::string_view queue, sdk::MessageState state) const;

  std::mutex mutex_;
  std::map<std::pair<std::string, int64_t>, sdk::WorkflowRecord> workflows_;
  std::map<std::string, sdk::RunRecord> runs_;
  std::map<std::tuple<std::string, std::string, int64_t>, sdk::TaskRecord> tasks_;
  std::map<std::string, sdk::TokenRecord> tokens_;
  std::map<std::tuple<std::string, std::string, int64_t, int32_t>, sdk::AttemptRecord> attempts_;
  std::map<std::string, sdk::ScheduleStateRecord> schedule_states_;
  std::map<std::string, sdk::AuditRecord, std::less<>> audit_;
  std::map<std::pair<std::string, std::string>, sdk::MessageRecord> messages_;  // by (queue, id)
};

struct OpenedMemoryStore {
  MemoryStore* store;  // owned by client
  std::unique_ptr<daemon::StoreClient> client;
};

// v2_0: served through a function table cut to ABI 2.0's, as a store plugin
// built against SDK 2.0 has, so that the host sees a store of ABI 2.0.
enum class StoreAbi { current, v2_0 };
OpenedMemoryStore open_memory_store(StoreAbi abi = StoreAbi::current);

}  // namespace weft::test
