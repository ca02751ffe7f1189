#include "store/store_client.hpp"

#include "plugin_host/call_plugin.hpp"
#include "plugin_host/loaded_library.hpp"

#include <list>

namespace weft::daemon {

using sdk::str;

namespace {

template <class Record>
struct Collected {
  std::vector<Record> records;
  std::string error;  // a record the store handed over could not be read
};

// A visitor: copies each record the store hands over. Called from inside the
// plugin, so nothing may be thrown through it; a bad record stops the walk.
template <class Record, class AbiRecord>
int collect(void* caller_ptr, const AbiRecord* record) noexcept {
  auto* out = static_cast<Collected<Record>*>(caller_ptr);
  try {
    out->records.push_back(sdk::from_abi(*record));
    return 0;
  } catch (const std::exception& e) {
    out->error = e.what();
    return 1;
  }
}

void check(weft_status status, const weft_error& err, std::string_view what) {
  if (status == WEFT_OK) return;
  const std::string message = std::string(what) + ": " + err.message;
  if (status == WEFT_CONFLICT) throw StoreConflict(message);
  if (status == WEFT_LEASE_LOST) throw StoreLeaseLost(message);
  throw StoreError(message);
}

// Runs one read through the plugin: call(visitor, caller_ptr, err) with a
// visitor for AbiRecord. NOT_FOUND gives no records; any other failure throws.
template <class Record, class AbiRecord, class Call>
std::vector<Record> read(std::string_view what, Call call) {
  Collected<Record> found;
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return call(collect<Record, AbiRecord>, &found, e); }, err);
  if (status != WEFT_NOT_FOUND) check(status, err, what);
  if (!found.error.empty()) throw StoreError(std::string(what) + ": the store handed over " + found.error);
  return std::move(found.records);
}

// A weft_lease_visitor.
int collect_lease(void* caller_ptr, weft_str run_id, int64_t generation) noexcept {
  try {
    static_cast<std::vector<RunLease>*>(caller_ptr)->push_back({sdk::copy(run_id), generation});
    return 0;
  } catch (...) {
    return 1;
  }
}

int collect_instance(void* caller_ptr, weft_str id, weft_str address, int64_t heartbeat_at,
                     int64_t runs_held) noexcept {
  try {
    static_cast<std::vector<InstanceRecord>*>(caller_ptr)
        ->push_back({sdk::copy(id), sdk::copy(address), heartbeat_at, runs_held});
    return 0;
  } catch (...) {
    return 1;
  }
}

int collect_queue(void* caller_ptr, weft_str queue, int64_t ready, int64_t taken, int64_t dead) noexcept {
  try {
    static_cast<std::vector<QueueCounts>*>(caller_ptr)->push_back({sdk::copy(queue), ready, taken, dead});
    return 0;
  } catch (...) {
    return 1;
  }
}

// What a claim_messages call hands its callbacks: the batches it gave stay
// here, borrowed by the store, until the call returns.
struct Claim {
  const StoreClient::Delivery& deliver;
  std::list<std::pair<WriteBatch, std::unique_ptr<sdk::AbiWriteBatch>>> batches{};
  std::vector<MessageRecord> delivered{};
  std::string error{};  // the host could not build a delivery, or read a message back
};

// A weft_message_delivery; nothing may be thrown through the plugin.
void deliver_message(void* caller_ptr, const weft_message_record* message, const weft_write_batch** out) noexcept {
  auto* claim = static_cast<Claim*>(caller_ptr);
  *out = nullptr;
  try {
    auto batch = claim->deliver(sdk::from_abi(*message));
    if (!batch) return;
    auto& kept = claim->batches.emplace_back(std::move(*batch), nullptr);
    kept.second = std::make_unique<sdk::AbiWriteBatch>(kept.first);
    *out = kept.second->get();
  } catch (const std::exception& e) {
    claim->error = e.what();
  }
}

int collect_delivered(void* caller_ptr, const weft_message_record* message) noexcept {
  auto* claim = static_cast<Claim*>(caller_ptr);
  try {
    claim->delivered.push_back(sdk::from_abi(*message));
    return 0;
  } catch (const std::exception& e) {
    claim->error = e.what();
    return 1;
  }
}

// What a find_cached call collects: one entry per lookup.
struct CachedTasks {
  std::vector<std::optional<TaskRecord>> found;
  std::string error{};  // the store handed over a task that could not be read, or for no lookup
};

int collect_cached(void* caller_ptr, size_t lookup, const weft_task_record* record) noexcept {
  auto* cached = static_cast<CachedTasks*>(caller_ptr);
  try {
    if (lookup >= cached->found.size()) throw std::out_of_range("a task for lookup " + std::to_string(lookup));
    cached->found[lookup] = sdk::from_abi(*record);
    return 0;
  } catch (const std::exception& e) {
    cached->error = e.what();
    return 1;
  }
}

template <class Record>
std::optional<Record> first(std::vector<Record> records) {
  if (records.empty()) return std::nullopt;
  return std::move(records.front());
}

}  // namespace

StoreClient::StoreClient(std::shared_ptr<const LoadedLibrary> library, const weft_store_vtable* vtable, void* store)
    : library_(std::move(library)), vtable_(vtable), store_(store) {}

StoreClient::~StoreClient() { vtable_->close(store_); }

int StoreClient::schema_version() const { return vtable_->schema_version(store_); }

void StoreClient::write(const WriteBatch& batch) {
  sdk::AbiWriteBatch abi(batch);
  if (!batch.leases.empty()) abi.fence_as(lease_owner_, lease_ms_);
  weft_error err;
  check(call_plugin([&](weft_error* e) { return vtable_->write(store_, abi.get(), e); }, err), err,
        "store write failed");
}

bool StoreClient::keeps_2_1_records() const { return WEFT_HAS_FIELD(vtable_, weft_store_vtable, list_schedule_states); }

std::vector<AttemptRecord> StoreClient::list_attempts(std::string_view run_id) const {
  if (!keeps_2_1_records()) throw StoreError("the storage plugin is of ABI 2.0 and keeps no attempts");
  return read<AttemptRecord, weft_attempt_record>("listing attempts failed", [&](auto visit, void* out, weft_error* e) {
    return vtable_->list_attempts(store_, str(run_id), visit, out, e);
  });
}

std::vector<ScheduleStateRecord> StoreClient::list_schedule_states() const {
  if (!keeps_2_1_records()) return {};  // a 2.0 store: no schedule was paused through it
  return read<ScheduleStateRecord, weft_schedule_state_record>(
      "listing schedule states failed",
      [&](auto visit, void* out, weft_error* e) { return vtable_->list_schedule_states(store_, visit, out, e); });
}

bool StoreClient::keeps_audit() const {
  return WEFT_HAS_FIELD(vtable_, weft_store_vtable, list_audit) && vtable_->list_audit != nullptr;
}

// The parent link came with list_audit, the last of ABI 2.1's store functions.
bool StoreClient::keeps_run_parents() const { return keeps_audit(); }

std::vector<AuditRecord> StoreClient::list_audit(std::string_view before_id, int32_t limit) const {
  if (!keeps_audit()) throw StoreError("the storage plugin keeps no audit log");
  return read<AuditRecord, weft_audit_record>(
      "listing the audit log failed", [&](auto visit, void* out, weft_error* e) {
        return vtable_->list_audit(store_, str(before_id), limit, visit, out, e);
      });
}

std::optional<WorkflowRecord> StoreClient::get_workflow(std::string_view name, int64_t version) const {
  return first(read<WorkflowRecord, weft_workflow_record>(
      "reading a workflow failed", [&](auto visit, void* out, weft_error* e) {
        return vtable_->get_workflow(store_, str(name), version, visit, out, e);
      }));
}

std::vector<WorkflowRecord> StoreClient::list_workflows() const {
  return read<WorkflowRecord, weft_workflow_record>(
      "listing workflows failed",
      [&](auto visit, void* out, weft_error* e) { return vtable_->list_workflows(store_, visit, out, e); });
}

std::optional<RunRecord> StoreClient::get_run(std::string_view id) const {
  return first(read<RunRecord, weft_run_record>("reading a run failed", [&](auto visit, void* out, weft_error* e) {
    return vtable_->get_run(store_, str(id), visit, out, e);
  }));
}

std::vector<RunRecord> StoreClient::list_runs(const RunFilter& filter) const {
  // A store whose runs keep no parent has no children to find, and would ignore the criterion.
  if (!filter.parent_run_id.empty() && !keeps_run_parents()) return {};
  const weft_run_filter abi = sdk::to_abi(filter);
  return read<RunRecord, weft_run_record>("listing runs failed", [&](auto visit, void* out, weft_error* e) {
    return vtable_->list_runs(store_, &abi, visit, out, e);
  });
}

std::vector<TaskRecord> StoreClient::list_tasks(std::string_view run_id) const {
  return read<TaskRecord, weft_task_record>("listing tasks failed", [&](auto visit, void* out, weft_error* e) {
    return vtable_->list_tasks(store_, str(run_id), visit, out, e);
  });
}

std::vector<TokenRecord> StoreClient::list_tokens() const {
  return read<TokenRecord, weft_token_record>("listing tokens failed", [&](auto visit, void* out, weft_error* e) {
    return vtable_->list_tokens(store_, visit, out, e);
  });
}

void StoreClient::fence_as(std::string instance, int64_t lease_ms) {
  lease_owner_ = std::move(instance);
  lease_ms_ = lease_ms;
}

bool StoreClient::shared() const {
  return WEFT_HAS_FIELD(vtable_, weft_store_vtable, claim_finished_run) && vtable_->claim_runs != nullptr &&
         vtable_->renew_leases != nullptr && vtable_->list_instances != nullptr &&
         vtable_->claim_finished_run != nullptr;
}

std::vector<RunLease> StoreClient::claim_runs(std::string_view instance, int64_t lease_ms, int32_t max,
                                              sdk::ClaimScope scope) {
  std::vector<RunLease> claimed;
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->claim_runs(store_, str(instance), lease_ms, max, scope.flags(), collect_lease, &claimed,
                                         e);
            },
            err),
        err, "claiming runs failed");
  return claimed;
}

std::vector<RunLease> StoreClient::renew_leases(std::string_view instance, std::string_view address, int64_t lease_ms) {
  std::vector<RunLease> held;
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->renew_leases(store_, str(instance), str(address), lease_ms, collect_lease, &held, e);
            },
            err),
        err, "renewing leases failed");
  return held;
}

std::vector<InstanceRecord> StoreClient::list_instances() const {
  std::vector<InstanceRecord> instances;
  weft_error err;
  check(
      call_plugin([&](weft_error* e) { return vtable_->list_instances(store_, collect_instance, &instances, e); }, err),
      err, "listing instances failed");
  return instances;
}

int64_t StoreClient::claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms) {
  int64_t generation = 0;
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->claim_finished_run(store_, str(instance), str(run_id), lease_ms, &generation, e);
            },
            err),
        err, "claiming a finished run failed");
  return generation;
}

bool StoreClient::keeps_queues() const {
  return WEFT_HAS_FIELD(vtable_, weft_store_vtable, list_messages) && vtable_->claim_messages != nullptr &&
         vtable_->list_queues != nullptr && vtable_->list_messages != nullptr;
}

std::vector<MessageRecord> StoreClient::claim_messages(std::string_view queue, int32_t max_taken,
                                                       const Delivery& deliver) {
  if (!keeps_queues()) throw StoreError("the storage plugin keeps no queues");
  Claim claim{deliver};
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->claim_messages(store_, str(queue), max_taken, str(lease_owner_), lease_ms_,
                                             deliver_message, collect_delivered, &claim, e);
            },
            err),
        err, "claiming messages failed");
  // Those delivered before a delivery failed are stored: their runs are the caller's to start.
  if (!claim.error.empty() && claim.delivered.empty()) {
    throw StoreError("claiming messages of queue " + std::string(queue) + ": " + claim.error);
  }
  return std::move(claim.delivered);
}

std::vector<QueueCounts> StoreClient::list_queues() const {
  if (!keeps_queues()) throw StoreError("the storage plugin keeps no queues");
  std::vector<QueueCounts> queues;
  weft_error err;
  check(call_plugin([&](weft_error* e) { return vtable_->list_queues(store_, collect_queue, &queues, e); }, err), err,
        "listing queues failed");
  return queues;
}

std::vector<MessageRecord> StoreClient::list_messages(std::string_view queue, MessageState state,
                                                      std::string_view after_id, int32_t limit) const {
  if (!keeps_queues()) throw StoreError("the storage plugin keeps no queues");
  return read<MessageRecord, weft_message_record>("listing messages failed", [&](auto visit, void* out, weft_error* e) {
    return vtable_->list_messages(store_, str(queue), static_cast<int32_t>(state), str(after_id), limit, visit, out, e);
  });
}

bool StoreClient::keeps_cache() const {
  return WEFT_HAS_FIELD(vtable_, weft_store_vtable, find_cached) && vtable_->find_cached != nullptr;
}

std::vector<std::optional<TaskRecord>> StoreClient::find_cached(const std::vector<CacheLookup>& lookups) const {
  CachedTasks cached{std::vector<std::optional<TaskRecord>>(lookups.size())};
  if (!keeps_cache() || lookups.empty()) return std::move(cached.found);
  const sdk::AbiViews<CacheLookup> abi(lookups);
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->find_cached(store_, abi.data(), abi.size(), collect_cached, &cached, e);
            },
            err),
        err, "looking up cached tasks failed");
  if (!cached.error.empty()) throw StoreError("looking up cached tasks: the store handed over " + cached.error);
  return std::move(cached.found);
}

}  // namespace weft::daemon
