// Base class and thunks for storage backends. See weft_store_vtable in
// weft_abi.h for the threading rules: reads from any thread at once, write
// from one thread at a time.
#pragma once

#include <weft/sdk/records.hpp>

#include <functional>
#include <stdexcept>
#include <type_traits>

namespace weft::sdk {

// Derive from this and give the class a constructor (const Host&, const nlohmann::json& config)
// that opens the store, creating it and running migrations as needed.
class Store {
 public:
  virtual ~Store() = default;

  virtual int schema_version() const = 0;
  // All or nothing. Throw Conflict for a workflow version stored with another
  // digest, and for a run whose non-empty idempotency key another run holds.
  virtual void write(const WriteBatch& batch) = 0;
  // version 0: the latest, deleted or not; see weft_store_vtable.
  virtual std::optional<WorkflowRecord> get_workflow(std::string_view name, int64_t version) = 0;
  virtual std::vector<WorkflowRecord> list_workflows() = 0;
  virtual std::optional<RunRecord> get_run(std::string_view id) = 0;
  virtual std::vector<RunRecord> list_runs(const RunFilter& filter) = 0;
  virtual std::vector<TaskRecord> list_tasks(std::string_view run_id) = 0;
  virtual std::vector<TokenRecord> list_tokens() = 0;
  // Since ABI 2.1. By node, then index, then attempt.
  virtual std::vector<AttemptRecord> list_attempts(std::string_view run_id) = 0;
  // Since ABI 2.1. By workflow.
  virtual std::vector<ScheduleStateRecord> list_schedule_states() = 0;
  // Since ABI 2.1. Newest first: ids below before_id (empty: from the
  // newest), at most limit (0: all).
  virtual std::vector<AuditRecord> list_audit(std::string_view before_id, int32_t limit) = 0;

  // Queues (since ABI 2.1; see claim_messages in weft_store_vtable). A write.
  // deliver gives the batch (one run and its tasks) a message is delivered
  // to, or nullopt to stop; the messages delivered, as stored.
  using Delivery = std::function<std::optional<WriteBatch>(const MessageRecord& message)>;
  virtual std::vector<MessageRecord> claim_messages(std::string_view queue, int32_t max_taken,
                                                    std::string_view lease_owner, int64_t lease_ms,
                                                    const Delivery& deliver) = 0;
  // By name: every queue with a message in any state.
  virtual std::vector<QueueCounts> list_queues() = 0;
  // Oldest first: after after_id (empty: from the oldest), at most limit (0: all).
  virtual std::vector<MessageRecord> list_messages(std::string_view queue, MessageState state,
                                                   std::string_view after_id, int32_t limit) = 0;

  // The node cache (since ABI 2.1; see find_cached in weft_store_vtable):
  // one entry per lookup, in order, with the task it finds or nullopt.
  virtual std::vector<std::optional<TaskRecord>> find_cached(const std::vector<CacheLookup>& lookups) = 0;
};

// A store several instances can share (2.1): derive from this instead of
// Store, and the vtable gets claim_runs, renew_leases, list_instances and
// claim_finished_run (see weft_store_vtable); write() then fences every
// batch by its leases.
// A plain Store serves one instance and the vtable leaves them NULL.
class SharedStore : public Store {
 public:
  virtual std::vector<RunLease> claim_runs(std::string_view instance, int64_t lease_ms, int32_t max,
                                           ClaimScope scope) = 0;
  virtual std::vector<RunLease> renew_leases(std::string_view instance, std::string_view address, int64_t lease_ms) = 0;
  virtual std::vector<InstanceRecord> list_instances() = 0;
  // The generation the run is held at from now on. Throw Conflict if it is
  // stored unfinished, NotFound if it is not stored.
  virtual int64_t claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms) = 0;
};

namespace detail {

template <class Record, class Visitor>
void visit_all(const std::vector<Record>& records, Visitor visit, void* caller_ptr) {
  for (const auto& r : records) {
    const auto abi = to_abi(r);
    if (visit(caller_ptr, &abi) != 0) return;
  }
}

template <class Record, class Visitor>
void visit_one(const std::optional<Record>& record, Visitor visit, void* caller_ptr, std::string_view what) {
  if (!record) throw NotFound(std::string(what) + " not found");
  const auto abi = to_abi(*record);
  visit(caller_ptr, &abi);
}

template <class T>
struct StoreThunks {
  static Store* self(void* s) { return static_cast<Store*>(s); }
  // Only in the vtable of a T derived from SharedStore.
  static SharedStore* shared(void* s) { return static_cast<SharedStore*>(self(s)); }
  static weft_status open(const weft_host_api* host, weft_str config, void** out, weft_error* err) noexcept {
    return guard(err, [&] {
      const auto cfg = config.len ? nlohmann::json::parse(view(config)) : nlohmann::json::object();
      *out = static_cast<Store*>(new T(Host(host), cfg));
    });
  }
  static void close(void* s) noexcept { delete self(s); }
  static int32_t schema_version(void* s) noexcept {
    try {
      return self(s)->schema_version();
    } catch (...) {
      return -1;
    }
  }
  static weft_status write(void* s, const weft_write_batch* batch, weft_error* err) noexcept {
    return guard(err, [&] { self(s)->write(from_abi(*batch)); });
  }
  static weft_status get_workflow(void* s, weft_str name, int64_t version, weft_workflow_visitor visit,
                                  void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] { visit_one(self(s)->get_workflow(view(name), version), visit, caller_ptr, "workflow"); });
  }
  static weft_status list_workflows(void* s, weft_workflow_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] { visit_all(self(s)->list_workflows(), visit, caller_ptr); });
  }
  static weft_status get_run(void* s, weft_str id, weft_run_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] { visit_one(self(s)->get_run(view(id)), visit, caller_ptr, "run"); });
  }
  static weft_status list_runs(void* s, const weft_run_filter* filter, weft_run_visitor visit, void* caller_ptr,
                               weft_error* err) noexcept {
    return guard(err, [&] { visit_all(self(s)->list_runs(from_abi(*filter)), visit, caller_ptr); });
  }
  static weft_status list_tasks(void* s, weft_str run_id, weft_task_visitor visit, void* caller_ptr,
                                weft_error* err) noexcept {
    return guard(err, [&] { visit_all(self(s)->list_tasks(view(run_id)), visit, caller_ptr); });
  }
  static weft_status list_tokens(void* s, weft_token_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] { visit_all(self(s)->list_tokens(), visit, caller_ptr); });
  }
  static weft_status list_attempts(void* s, weft_str run_id, weft_attempt_visitor visit, void* caller_ptr,
                                   weft_error* err) noexcept {
    return guard(err, [&] { visit_all(self(s)->list_attempts(view(run_id)), visit, caller_ptr); });
  }
  static weft_status list_schedule_states(void* s, weft_schedule_state_visitor visit, void* caller_ptr,
                                          weft_error* err) noexcept {
    return guard(err, [&] { visit_all(self(s)->list_schedule_states(), visit, caller_ptr); });
  }
  static weft_status list_audit(void* s, weft_str before_id, int32_t limit, weft_audit_visitor visit, void* caller_ptr,
                                weft_error* err) noexcept {
    return guard(err, [&] { visit_all(self(s)->list_audit(view(before_id), limit), visit, caller_ptr); });
  }
  static weft_status claim_messages(void* s, weft_str queue, int32_t max_taken, weft_str lease_owner, int64_t lease_ms,
                                    weft_message_delivery deliver, weft_message_visitor visit, void* caller_ptr,
                                    weft_error* err) noexcept {
    return guard(err, [&] {
      const auto delivered = self(s)->claim_messages(view(queue), max_taken, view(lease_owner), lease_ms,
                                                     [&](const MessageRecord& message) -> std::optional<WriteBatch> {
                                                       const auto abi = to_abi(message);
                                                       const weft_write_batch* batch = nullptr;
                                                       deliver(caller_ptr, &abi, &batch);
                                                       if (batch == nullptr) return std::nullopt;
                                                       return from_abi(*batch);
                                                     });
      visit_all(delivered, visit, caller_ptr);
    });
  }
  static weft_status list_queues(void* s, weft_queue_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] {
      for (const auto& q : self(s)->list_queues()) {
        if (visit(caller_ptr, str(q.queue), q.ready, q.taken, q.dead) != 0) return;
      }
    });
  }
  static weft_status list_messages(void* s, weft_str queue, int32_t state, weft_str after_id, int32_t limit,
                                   weft_message_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] {
      visit_all(self(s)->list_messages(view(queue), message_state(state), view(after_id), limit), visit, caller_ptr);
    });
  }
  static weft_status find_cached(void* s, const weft_cache_lookup* const* lookups, size_t count,
                                 weft_cached_task_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] {
      std::vector<CacheLookup> wanted;
      wanted.reserve(count);
      for (size_t i = 0; i < count; ++i) wanted.push_back(from_abi(*lookups[i]));
      const auto found = self(s)->find_cached(wanted);
      if (found.size() != count) throw std::logic_error("find_cached answered a different number of lookups");
      for (size_t i = 0; i < count; ++i) {
        if (!found[i]) continue;
        const auto abi = to_abi(*found[i]);
        if (visit(caller_ptr, i, &abi) != 0) return;
      }
    });
  }
  static void visit_leases(const std::vector<RunLease>& leases, weft_lease_visitor visit, void* caller_ptr) {
    for (const auto& lease : leases) {
      if (visit(caller_ptr, str(lease.run_id), lease.generation) != 0) return;
    }
  }
  static weft_status claim_runs(void* s, weft_str instance, int64_t lease_ms, int32_t max, int32_t flags,
                                weft_lease_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] {
      visit_leases(shared(s)->claim_runs(view(instance), lease_ms, max, ClaimScope::of_flags(flags)), visit,
                   caller_ptr);
    });
  }
  static weft_status renew_leases(void* s, weft_str instance, weft_str address, int64_t lease_ms,
                                  weft_lease_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] {
      visit_leases(shared(s)->renew_leases(view(instance), view(address), lease_ms), visit, caller_ptr);
    });
  }
  static weft_status list_instances(void* s, weft_instance_visitor visit, void* caller_ptr, weft_error* err) noexcept {
    return guard(err, [&] {
      for (const auto& i : shared(s)->list_instances()) {
        if (visit(caller_ptr, str(i.id), str(i.address), i.heartbeat_at, i.runs_held) != 0) return;
      }
    });
  }
  static weft_status claim_finished_run(void* s, weft_str instance, weft_str run_id, int64_t lease_ms,
                                        int64_t* generation, weft_error* err) noexcept {
    return guard(err, [&] { *generation = shared(s)->claim_finished_run(view(instance), view(run_id), lease_ms); });
  }
  static constexpr weft_store_vtable vtable = [] {
    weft_store_vtable v{};
    v.struct_size = sizeof(weft_store_vtable);
    v.open = open;
    v.close = close;
    v.schema_version = schema_version;
    v.write = write;
    v.get_workflow = get_workflow;
    v.list_workflows = list_workflows;
    v.get_run = get_run;
    v.list_runs = list_runs;
    v.list_tasks = list_tasks;
    v.list_tokens = list_tokens;
    v.list_attempts = list_attempts;
    v.list_schedule_states = list_schedule_states;
    if constexpr (std::is_base_of_v<SharedStore, T>) {
      v.claim_runs = claim_runs;
      v.renew_leases = renew_leases;
      v.list_instances = list_instances;
      v.claim_finished_run = claim_finished_run;
    }
    v.list_audit = list_audit;
    v.claim_messages = claim_messages;
    v.list_queues = list_queues;
    v.list_messages = list_messages;
    v.find_cached = find_cached;
    return v;
  }();
};

}  // namespace detail

template <class T>
constexpr weft_factory store(const char* type_name, const char* schema_json = nullptr) {
  return detail::factory(WEFT_KIND_STORAGE, type_name, schema_json, &detail::StoreThunks<T>::vtable);
}

}  // namespace weft::sdk
