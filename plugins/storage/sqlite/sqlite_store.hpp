// weft's embedded default store: one SQLite file in WAL mode.
//
// Threading (as weft_store_vtable requires): write() from one thread at a
// time, every read from any thread, concurrently with a write. Writes go
// through one connection under a mutex; each read leases a connection of its
// own from a pool, and in WAL mode readers never wait for the writer.
#pragma once

#include <memory>
#include <mutex>
#include <vector>
#include <weft/sdk/store.hpp>

#include "sqlite_config.hpp"
#include "sqlite_connection.hpp"

namespace weft::storage::sqlite {

// Read-only connections, opened on demand so that concurrent readers never
// wait for each other, and kept for reuse (with their cached statements).
class ReaderPool {
 public:
  ReaderPool(std::filesystem::path file, int busy_timeout_ms);

  // A connection for the holder's exclusive use; back to the pool when the lease ends.
  class Lease {
   public:
    Lease(ReaderPool& pool, std::unique_ptr<Connection> connection) : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() { pool_.give_back(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    ReaderPool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  Lease lease();

 private:
  void give_back(std::unique_ptr<Connection> connection);

  std::filesystem::path file_;
  int busy_timeout_ms_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

class SqliteStore final : public sdk::Store {
 public:
  // Opens config["path"], creating the file and its directory if missing,
  // switching it to WAL and migrating it to the latest schema. Throws with a
  // message naming the key or the file when that cannot be done.
  SqliteStore(const sdk::Host& host, const nlohmann::json& config);

  int schema_version() const override;
  void write(const sdk::WriteBatch& batch) override;
  std::optional<sdk::WorkflowRecord> get_workflow(std::string_view name, int64_t version) override;
  std::vector<sdk::WorkflowRecord> list_workflows() override;
  std::optional<sdk::RunRecord> get_run(std::string_view id) override;
  std::vector<sdk::RunRecord> list_runs(const sdk::RunFilter& filter) override;
  std::vector<sdk::TaskRecord> list_tasks(std::string_view run_id) override;
  std::vector<std::optional<sdk::TaskRecord>> find_cached(const std::vector<sdk::CacheLookup>& lookups) override;
  // By id.
  std::vector<sdk::TokenRecord> list_tokens() override;
  std::vector<sdk::AttemptRecord> list_attempts(std::string_view run_id) override;
  std::vector<sdk::ScheduleStateRecord> list_schedule_states() override;
  std::vector<sdk::AuditRecord> list_audit(std::string_view before_id, int32_t limit) override;
  // Queues (sqlite_queues.cpp). One instance: lease_owner is not used.
  std::vector<sdk::MessageRecord> claim_messages(std::string_view queue, int32_t max_taken,
                                                 std::string_view lease_owner, int64_t lease_ms,
                                                 const Delivery& deliver) override;
  std::vector<sdk::QueueCounts> list_queues() override;
  std::vector<sdk::MessageRecord> list_messages(std::string_view queue, sdk::MessageState state,
                                                std::string_view after_id, int32_t limit) override;

 private:
  void put_workflow(const sdk::WorkflowRecord& workflow);
  void put_run(const sdk::RunRecord& run);
  void upsert_run(const sdk::RunRecord& run);
  void put_task(const sdk::TaskRecord& task);
  void put_token(const sdk::TokenRecord& token);
  void put_attempt(const sdk::AttemptRecord& attempt);
  void put_schedule_state(const sdk::ScheduleStateRecord& state);
  void put_audit(const sdk::AuditRecord& entry);
  void put_message(const sdk::MessageRecord& message);
  void prune_done_messages(int64_t before, int64_t limit);

  SqliteConfig config_;
  std::mutex write_mutex_;  // guards writer_: the ABI promises one writer, the mutex keeps that promise honest
  Connection writer_;       // declared before readers_ so it closes last and checkpoints the WAL away
  ReaderPool readers_;
  int schema_version_;
};

}  // namespace weft::storage::sqlite
