// A store in memory that several instances share (ABI 2.1), served through
// the SDK's real C thunks like MemoryStore, whose records it keeps in one.
// Its leases run on the clock the test gives it (virtual time), as a
// database's run on the server's clock.
#pragma once

#include "memory_store.hpp"

#include <functional>

namespace weft::test {

class SharedMemoryStore : public sdk::SharedStore {
 public:
  SharedMemoryStore(const sdk::Host& host, const nlohmann::json& config) : records_(host, config) {}

  int schema_version() const override { return records_.schema_version(); }
  // Fenced as weft_write_batch says.
  void write(const sdk::WriteBatch& batch) override;
  std::optional<sdk::WorkflowRecord> get_workflow(std::string_view name, int64_t version) override {
    return records_.get_workflow(name, version);
  }
  std::vector<sdk::WorkflowRecord> list_workflows() override { return records_.list_workflows(); }
  std::optional<sdk::RunRecord> get_run(std::string_view id) override { return records_.get_run(id); }
  std::vector<sdk::RunRecord> list_runs(const sdk::RunFilter& filter) override { return records_.list_runs(filter); }
  std::vector<sdk::TaskRecord> list_tasks(std::string_view run_id) override { return records_.list_tasks(run_id); }
  std::vector<std::optional<sdk::TaskRecord>> find_cached(const std::vector<sdk::CacheLookup>& lookups) override {
    return records_.find_cached(lookups);
  }
  std::vector<sdk::TokenRecord> list_tokens() override { return records_.list_tokens(); }
  std::vector<sdk::AttemptRecord> list_attempts(std::string_view run_id) override {
    return records_.list_attempts(run_id);
  }
  std::vector<sdk::ScheduleStateRecord> list_schedule_states() override { return records_.list_schedule_states(); }
  std::vector<sdk::AuditRecord> list_audit(std::string_view before_id, int32_t limit) override {
    return records_.list_audit(before_id, limit);
  }
  // The runs delivered to are held by lease_owner, as an inserting fenced batch's.
  std::vector<sdk::MessageRecord> claim_messages(std::string_view queue, int32_t max_taken,
                                                 std::string_view lease_owner, int64_t lease_ms,
                                                 const Delivery& deliver) override;
  std::vector<sdk::QueueCounts> list_queues() override { return records_.list_queues(); }
  std::vector<sdk::MessageRecord> list_messages(std::string_view queue, sdk::MessageState state,
                                                std::string_view after_id, int32_t limit) override {
    return records_.list_messages(queue, state, after_id, limit);
  }
  std::vector<sdk::RunLease> claim_runs(std::string_view instance, int64_t lease_ms, int32_t max,
                                        sdk::ClaimScope scope) override;
  std::vector<sdk::RunLease> renew_leases(std::string_view instance, std::string_view address,
                                          int64_t lease_ms) override;
  std::vector<sdk::InstanceRecord> list_instances() override;
  int64_t claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms) override;

  // The store's clock, in ms; set before the store is used.
  std::function<int64_t()> now_ms;
  // Ends the lease of run_id at once, as if its holder stopped renewing it
  // long ago.
  void expire(const std::string& run_id);

 private:
  struct Lease {
    std::string owner;
    int64_t generation = 0;
    int64_t deadline = 0;
  };
  struct Instance {
    std::string address;
    int64_t heartbeat_at = 0;
  };
  std::vector<std::string> unfinished_runs_oldest_first();

  std::mutex mutex_;
  MemoryStore records_;
  std::map<std::string, Lease, std::less<>> leases_;
  std::map<std::string, Instance, std::less<>> instances_;
};

struct OpenedSharedMemoryStore {
  SharedMemoryStore* store;  // owned by client
  std::unique_ptr<daemon::StoreClient> client;
};

OpenedSharedMemoryStore open_shared_memory_store(std::function<int64_t()> now_ms);

}  // namespace weft::test
