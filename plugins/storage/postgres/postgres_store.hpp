// weft's store on a PostgreSQL server, through libpq.
//
// Threading (as weft_store_vtable requires): write() from one thread at a
// time, every read from any thread, concurrently with a write. Every call
// leases a connection of its own from the pool; a batch is one transaction.
//
// A lost server fails the calls made while it is away; the connections it
// dropped are dropped too, and the next call connects anew. The daemon
// retries a failed batch whole, and every write is an upsert, so a batch
// whose COMMIT was lost on the way back is written again without doubling.
#pragma once

#include <mutex>
#include <weft/sdk/store.hpp>

#include "postgres_config.hpp"
#include "postgres_connection.hpp"
#include "postgres_listener.hpp"

namespace weft::storage::postgres {

class PostgresStore final : public sdk::SharedStore {
 public:
  // Connects to the server config names and migrates config["schema"] to the
  // latest version. Throws with a message naming the key or the server (never
  // the password) when that cannot be done. A host that takes
  // work_available is woken when another instance stores a run unheld.
  PostgresStore(const sdk::Host& host, const nlohmann::json& config);

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
  std::vector<sdk::RunLease> claim_runs(std::string_view instance, int64_t lease_ms, int32_t max,
                                        sdk::ClaimScope scope) override;
  std::vector<sdk::RunLease> renew_leases(std::string_view instance, std::string_view address,
                                          int64_t lease_ms) override;
  std::vector<sdk::InstanceRecord> list_instances() override;
  int64_t claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms) override;
  std::vector<sdk::MessageRecord> claim_messages(std::string_view queue, int32_t max_taken,
                                                 std::string_view lease_owner, int64_t lease_ms,
                                                 const Delivery& deliver) override;
  std::vector<sdk::QueueCounts> list_queues() override;
  std::vector<sdk::MessageRecord> list_messages(std::string_view queue, sdk::MessageState state,
                                                std::string_view after_id, int32_t limit) override;

 private:
  Pool pool_;
  std::mutex write_mutex_;  // the ABI promises one writer; the mutex keeps that promise honest
  int schema_version_;
  std::string work_channel_;                // NOTIFY'd by a batch that stores an unfinished run unheld
  std::unique_ptr<WorkListener> listener_;  // last: its thread stops before the rest goes
};

}  // namespace weft::storage::postgres
