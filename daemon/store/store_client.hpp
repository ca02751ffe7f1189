// The daemon's handle on the storage plugin: C++ calls in, the plugin's C ABI
// out. Thread-safe as the ABI is: reads from any thread, write() from one
// thread at a time (the scheduler's StoreWriter).
#pragma once

#include <weft/sdk/store.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::daemon {

using sdk::AttemptRecord;
using sdk::AuditRecord;
using sdk::CacheLookup;
using sdk::InstanceRecord;
using sdk::MessageRecord;
using sdk::MessageState;
using sdk::QueueCounts;
using sdk::RunFilter;
using sdk::RunLease;
using sdk::RunRecord;
using sdk::ScheduleStateRecord;
using sdk::TaskRecord;
using sdk::TokenRecord;
using sdk::WorkflowRecord;
using sdk::WriteBatch;

// The store failed (I/O, locked, corrupt): the API answers 503.
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A write collided with an existing record (same workflow version, other digest).
struct StoreConflict : StoreError {
  using StoreError::StoreError;
};
// A fenced write touched a run another instance has taken over.
struct StoreLeaseLost : StoreError {
  using StoreError::StoreError;
};

class LoadedLibrary;

class StoreClient {
 public:
  // store is the object the plugin's open() returned; the client closes it.
  StoreClient(std::shared_ptr<const LoadedLibrary> library, const weft_store_vtable* vtable, void* store);
  ~StoreClient();
  StoreClient(const StoreClient&) = delete;
  StoreClient& operator=(const StoreClient&) = delete;

  int schema_version() const;
  // A batch with leases is fenced as this instance (see fence_as).
  void write(const WriteBatch& batch);
  std::optional<WorkflowRecord> get_workflow(std::string_view name, int64_t version = 0) const;
  std::vector<WorkflowRecord> list_workflows() const;
  std::optional<RunRecord> get_run(std::string_view id) const;
  std::vector<RunRecord> list_runs(const RunFilter& filter) const;
  std::vector<TaskRecord> list_tasks(std::string_view run_id) const;
  std::vector<TokenRecord> list_tokens() const;

  // Whether the store is of ABI 2.1 or later: it keeps paused runs, attempts
  // and schedule states. A 2.0 store ignores the attempts and schedule states
  // of a batch and refuses a paused run; the callers check this first.
  bool keeps_2_1_records() const;
  // Both throw StoreError for a store of ABI 2.0.
  std::vector<AttemptRecord> list_attempts(std::string_view run_id) const;
  std::vector<ScheduleStateRecord> list_schedule_states() const;
  // Whether the store keeps the audit log (ABI 2.1 with list_audit). A store
  // that does not ignores the audit entries of a batch.
  bool keeps_audit() const;
  // Newest first: entries whose id sorts before before_id (empty: from the
  // newest), at most limit. Throws StoreError for a store without the log.
  std::vector<AuditRecord> list_audit(std::string_view before_id, int32_t limit) const;
  // Whether the store keeps a run's parent (ABI 2.1 through list_audit);
  // list_runs by parent finds nothing in one that does not.
  bool keeps_run_parents() const;

  // Whether several instances can share this store (the plugin has the ABI
  // 2.1 lease functions). The rest are for a shared store only, and are
  // writes: from the writer's thread.
  bool shared() const;
  // From now on, writes with leases are fenced as instance's, and runs they
  // insert are held by it for lease_ms. Before any write.
  void fence_as(std::string instance, int64_t lease_ms);
  std::vector<RunLease> claim_runs(std::string_view instance, int64_t lease_ms, int32_t max, sdk::ClaimScope scope);
  std::vector<RunLease> renew_leases(std::string_view instance, std::string_view address, int64_t lease_ms);
  std::vector<InstanceRecord> list_instances() const;
  // Holds a finished run for instance, to retry it: the generation it holds
  // it at. Throws StoreConflict if the run is stored unfinished.
  int64_t claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms);

  // Whether the store keeps queues (ABI 2.1 with claim_messages). The rest
  // throw StoreError for a store without them.
  bool keeps_queues() const;
  // A write (the writer's thread): delivers up to max_taken messages of
  // queue, less those taken already, each in one transaction with the batch
  // (its run and tasks) deliver gives for it; nullopt stops. On a shared
  // store the runs are held by this instance (fence_as).
  using Delivery = sdk::Store::Delivery;
  std::vector<MessageRecord> claim_messages(std::string_view queue, int32_t max_taken, const Delivery& deliver);
  std::vector<QueueCounts> list_queues() const;
  std::vector<MessageRecord> list_messages(std::string_view queue, MessageState state, std::string_view after_id,
                                           int32_t limit) const;

  // Whether the store keeps the node cache (ABI 2.1 with find_cached). One
  // that does not finds nothing: every task of a node with a cache runs.
  bool keeps_cache() const;
  // For each lookup, in order, the task it finds (see weft_cache_lookup).
  std::vector<std::optional<TaskRecord>> find_cached(const std::vector<CacheLookup>& lookups) const;

 private:
  std::shared_ptr<const LoadedLibrary> library_;  // first: outlives the calls below
  const weft_store_vtable* vtable_;
  void* store_;
  std::string lease_owner_;
  int64_t lease_ms_ = 0;
};

}  // namespace weft::daemon
