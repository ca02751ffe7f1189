// The store's records as C++ values, and their conversion to and from the
// ABI's views. Both sides of the boundary use these: the daemon to call a
// store, the SDK's thunks to serve one.
#pragma once

#include <weft/sdk/plugin.hpp>
#include <weft/sdk/status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weft::sdk {

struct WorkflowRecord {
  std::string name;
  int64_t version = 0;
  std::string document_json;
  std::string digest;
  int64_t created_at = 0;
  bool deleted = false;
};

struct RunRecord {
  std::string id;
  std::string workflow;
  int64_t version = 0;
  RunStatus status = RunStatus::created;
  std::string params_json;
  std::string document_json;
  std::string idempotency_key;
  std::string error;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  // The task whose child this run is (since ABI 2.1; see weft_run_record);
  // empty parent_run_id: none.
  std::string parent_run_id{};
  std::string parent_node{};
  int64_t parent_index = -1;
};

// One task of a run (node, and element index: -1 for the node's own row).
struct TaskRef {
  std::string run_id;
  std::string node;
  int64_t index = -1;
  bool operator==(const TaskRef&) const = default;
};

struct TaskRecord {
  std::string run_id;
  std::string node;
  int64_t index = -1;
  TaskStatus status = TaskStatus::pending;
  int32_t attempt = 0;
  std::optional<int32_t> exit_code;
  std::string executor;
  std::string external_id;
  std::string error;
  std::string output_json;
  int64_t ready_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  // The retry budget (since ABI 2.1; see weft_task_record).
  int64_t budget_started_at = 0;
  int32_t attempts_before = 0;
  // The node's cache (since ABI 2.1; see weft_task_record): the rendered
  // key, and for a cache hit the task whose output it took (empty run_id: it ran).
  std::string cache_key{};
  TaskRef cached_from{};
};

// What find_cached looks for (since ABI 2.1; see weft_cache_lookup).
struct CacheLookup {
  std::string workflow;
  std::string cache_key;
  int64_t not_before = 0;  // ms since the epoch
  bool operator==(const CacheLookup&) const = default;
};

// One attempt of one task (since ABI 2.1; see weft_attempt_record).
struct AttemptRecord {
  std::string run_id;
  std::string node;
  int64_t index = -1;
  int32_t attempt = 0;
  TaskStatus status = TaskStatus::running;
  std::optional<int32_t> exit_code;
  std::string executor;
  std::string external_id;
  std::string error;
  std::string stdout_path;
  std::string stderr_path;
  int64_t started_at = 0;
  int64_t finished_at = 0;
};

// What an operator set on a workflow's schedule (since ABI 2.1).
struct ScheduleStateRecord {
  std::string workflow;
  bool paused = false;
  int64_t updated_at = 0;
};

struct TokenRecord {
  std::string id;
  std::string hash;
  std::string role;
  std::string description;
  int64_t created_at = 0;
  bool revoked = false;
  // Since ABI 2.1 (see weft_token_record).
  int64_t expires_at = 0;   // ms since the epoch; 0: never
  std::string workflows{};  // glob on workflow names; empty: any
};

// One entry of the audit log (since ABI 2.1; see weft_audit_record).
struct AuditRecord {
  std::string id;
  int64_t at = 0;
  std::string token_id;
  std::string role;
  std::string action;
  std::string target;
  std::string message;
  int32_t status = 0;
  bool operator==(const AuditRecord&) const = default;
};

// The states of a queue's message (since ABI 2.1; see weft_message_state).
enum class MessageState : int32_t {
  ready = WEFT_MESSAGE_READY,
  taken = WEFT_MESSAGE_TAKEN,
  dead = WEFT_MESSAGE_DEAD,
  done = WEFT_MESSAGE_DONE
};

// As the API shows them and SQL stores keep them.
constexpr std::string_view to_string(MessageState state) {
  switch (state) {
    case MessageState::ready: return "ready";
    case MessageState::taken: return "taken";
    case MessageState::dead: return "dead";
    case MessageState::done: return "done";
  }
  return "unknown";
}
inline std::optional<MessageState> parse_message_state(std::string_view name) {
  for (const auto state : {MessageState::ready, MessageState::taken, MessageState::dead, MessageState::done}) {
    if (to_string(state) == name) return state;
  }
  return std::nullopt;
}

// A message of a durable named queue (since ABI 2.1; see weft_message_record).
struct MessageRecord {
  std::string queue;
  std::string id;
  std::string body_json;
  int64_t enqueued_at = 0;
  MessageState state = MessageState::ready;
  int32_t deliveries = 0;
  std::string run_id{};
  std::string error{};
  int64_t failed_at = 0;
  bool operator==(const MessageRecord&) const = default;
};

// A queue and how many of its messages wait, are under way, and are dead (2.1).
struct QueueCounts {
  std::string queue;
  int64_t ready = 0;
  int64_t taken = 0;
  int64_t dead = 0;
  bool operator==(const QueueCounts&) const = default;
};

// A run an instance holds, at the lease generation it holds it with (2.1).
struct RunLease {
  std::string run_id;
  int64_t generation = 0;
  bool operator==(const RunLease&) const = default;
};

// Which runs claim_runs may take besides those whose holder stopped
// renewing (2.1; weft_store_vtable's WEFT_CLAIM_* flags).
struct ClaimScope {
  bool unheld = true;  // runs stored unheld, waiting for an instance with room
  bool own = false;    // runs the claiming instance holds already (its restart)

  int32_t flags() const { return (own ? WEFT_CLAIM_TAKE_OWN : 0) | (unheld ? 0 : WEFT_CLAIM_LAPSED_ONLY); }
  static ClaimScope of_flags(int32_t flags) {
    return {(flags & WEFT_CLAIM_LAPSED_ONLY) == 0, (flags & WEFT_CLAIM_TAKE_OWN) != 0};
  }
};

// An instance sharing the store (2.1).
struct InstanceRecord {
  std::string id;
  std::string address;
  int64_t heartbeat_at = 0;  // ms since the epoch, by the store's clock
  int64_t runs_held = 0;
};

struct WriteBatch {
  std::vector<WorkflowRecord> workflows;
  std::vector<RunRecord> runs;
  std::vector<TaskRecord> tasks;
  std::vector<TokenRecord> tokens;
  std::vector<AttemptRecord> attempts{};  // since ABI 2.1; initialized here so that {a, b, c, d} still is complete
  std::vector<ScheduleStateRecord> schedule_states{};  // since ABI 2.1
  // Fencing (2.1, see weft_write_batch): empty lease_owner, none.
  std::string lease_owner{};
  int64_t lease_ms = 0;
  std::vector<RunLease> leases{};
  // The audit log (2.1): entries to insert, and its retention (see
  // weft_write_batch); audit_prune_limit 0: nothing is pruned.
  std::vector<AuditRecord> audits{};
  int64_t audit_prune_before = 0;
  int64_t audit_prune_limit = 0;
  // Enqueues and ends of deliveries, and the retention of DONE messages (2.1,
  // see weft_write_batch); message_prune_limit 0: nothing is pruned.
  std::vector<MessageRecord> messages{};
  int64_t message_prune_before = 0;
  int64_t message_prune_limit = 0;
  bool empty() const {
    return workflows.empty() && runs.empty() && tasks.empty() && tokens.empty() && attempts.empty() &&
           schedule_states.empty() && audits.empty() && audit_prune_limit == 0 && messages.empty() &&
           message_prune_limit == 0;
  }
};

struct RunFilter {
  std::string workflow;
  std::optional<RunStatus> status;
  std::string idempotency_key;
  std::string before_id;
  bool unfinished_only = false;
  int32_t limit = 0;
  std::string parent_run_id{};  // since ABI 2.1: the children of this run only
};

// The statuses the other side wrote; a number that is no status is refused.
inline RunStatus run_status(int32_t value) {
  const auto status = run_status_from_abi(value);
  if (!status) throw std::invalid_argument("unknown run status " + std::to_string(value));
  return *status;
}
inline TaskStatus task_status(int32_t value) {
  const auto status = task_status_from_abi(value);
  if (!status) throw std::invalid_argument("unknown task status " + std::to_string(value));
  return *status;
}

inline std::string copy(weft_str s) { return std::string(view(s)); }

// From records the other side filled; each throws std::invalid_argument if
// the record is smaller than its first version in this major.
inline WorkflowRecord from_abi(const weft_workflow_record& r) {
  require_size(r.struct_size, WEFT_WORKFLOW_RECORD_SIZE_2_0, "weft_workflow_record");
  return {copy(r.name), r.version, copy(r.document_json), copy(r.digest), r.created_at, r.deleted != 0};
}
inline RunRecord from_abi(const weft_run_record& r) {
  require_size(r.struct_size, WEFT_RUN_RECORD_SIZE_2_0, "weft_run_record");
  RunRecord run{copy(r.id),
                copy(r.workflow),
                r.version,
                run_status(r.status),
                copy(r.params_json),
                copy(r.document_json),
                copy(r.idempotency_key),
                copy(r.error),
                r.created_at,
                r.started_at,
                r.finished_at};
  if (WEFT_HAS_FIELD(&r, weft_run_record, parent_index) && r.parent_run_id.len > 0) {
    run.parent_run_id = copy(r.parent_run_id);
    run.parent_node = copy(r.parent_node);
    run.parent_index = r.parent_index;
  }
  return run;
}
inline TaskRecord from_abi(const weft_task_record& r) {
  require_size(r.struct_size, WEFT_TASK_RECORD_SIZE_2_0, "weft_task_record");
  TaskRecord t{copy(r.run_id),   copy(r.node),        r.index,       task_status(r.status), r.attempt,  std::nullopt,
               copy(r.executor), copy(r.external_id), copy(r.error), copy(r.output_json),   r.ready_at, r.started_at,
               r.finished_at};
  if (r.has_exit_code) t.exit_code = r.exit_code;
  if (WEFT_HAS_FIELD(&r, weft_task_record, attempts_before)) {
    t.budget_started_at = r.budget_started_at;
    t.attempts_before = r.attempts_before;
  }
  if (WEFT_HAS_FIELD(&r, weft_task_record, cached_from_index)) {
    t.cache_key = copy(r.cache_key);
    t.cached_from = {copy(r.cached_from_run_id), copy(r.cached_from_node), r.cached_from_index};
  }
  return t;
}
inline CacheLookup from_abi(const weft_cache_lookup& r) {
  require_size(r.struct_size, WEFT_CACHE_LOOKUP_SIZE_2_1, "weft_cache_lookup");
  return {copy(r.workflow), copy(r.cache_key), r.not_before};
}
inline AttemptRecord from_abi(const weft_attempt_record& r) {
  require_size(r.struct_size, WEFT_ATTEMPT_RECORD_SIZE_2_1, "weft_attempt_record");
  AttemptRecord a{
      copy(r.run_id),   copy(r.node),        r.index,       r.attempt,           task_status(r.status), std::nullopt,
      copy(r.executor), copy(r.external_id), copy(r.error), copy(r.stdout_path), copy(r.stderr_path),   r.started_at,
      r.finished_at};
  if (r.has_exit_code) a.exit_code = r.exit_code;
  return a;
}
inline ScheduleStateRecord from_abi(const weft_schedule_state_record& r) {
  require_size(r.struct_size, WEFT_SCHEDULE_STATE_RECORD_SIZE_2_1, "weft_schedule_state_record");
  return {copy(r.workflow), r.paused != 0, r.updated_at};
}
inline TokenRecord from_abi(const weft_token_record& r) {
  require_size(r.struct_size, WEFT_TOKEN_RECORD_SIZE_2_0, "weft_token_record");
  TokenRecord t{copy(r.id), copy(r.hash), copy(r.role), copy(r.description), r.created_at, r.revoked != 0};
  if (WEFT_HAS_FIELD(&r, weft_token_record, workflows)) {
    t.expires_at = r.expires_at;
    t.workflows = copy(r.workflows);
  }
  return t;
}
inline AuditRecord from_abi(const weft_audit_record& r) {
  require_size(r.struct_size, WEFT_AUDIT_RECORD_SIZE_2_1, "weft_audit_record");
  return {copy(r.id), r.at, copy(r.token_id), copy(r.role), copy(r.action), copy(r.target), copy(r.message), r.status};
}
inline MessageState message_state(int32_t value) {
  if (value < WEFT_MESSAGE_READY || value > WEFT_MESSAGE_DONE) {
    throw std::invalid_argument("unknown message state " + std::to_string(value));
  }
  return static_cast<MessageState>(value);
}
inline MessageRecord from_abi(const weft_message_record& r) {
  require_size(r.struct_size, WEFT_MESSAGE_RECORD_SIZE_2_1, "weft_message_record");
  return {copy(r.queue), copy(r.id),     copy(r.body_json), r.enqueued_at, message_state(r.state),
          r.deliveries,  copy(r.run_id), copy(r.error),     r.failed_at};
}

// The returned views borrow from the argument, which must outlive them.
// Fields are filled by name, so that a field appended in a later minor starts
// zeroed (and a struct grown in a test build compiles without warnings).
inline weft_workflow_record to_abi(const WorkflowRecord& r) {
  weft_workflow_record v{};
  v.struct_size = sizeof(weft_workflow_record);
  v.name = str(r.name);
  v.version = r.version;
  v.document_json = str(r.document_json);
  v.digest = str(r.digest);
  v.created_at = r.created_at;
  v.deleted = r.deleted ? 1 : 0;
  return v;
}
inline weft_run_record to_abi(const RunRecord& r) {
  weft_run_record v{};
  v.struct_size = sizeof(weft_run_record);
  v.id = str(r.id);
  v.workflow = str(r.workflow);
  v.version = r.version;
  v.status = static_cast<int32_t>(r.status);
  v.params_json = str(r.params_json);
  v.document_json = str(r.document_json);
  v.idempotency_key = str(r.idempotency_key);
  v.error = str(r.error);
  v.created_at = r.created_at;
  v.started_at = r.started_at;
  v.finished_at = r.finished_at;
  v.parent_run_id = str(r.parent_run_id);
  v.parent_node = str(r.parent_node);
  v.parent_index = r.parent_index;
  return v;
}
inline weft_task_record to_abi(const TaskRecord& r) {
  weft_task_record v{};
  v.struct_size = sizeof(weft_task_record);
  v.run_id = str(r.run_id);
  v.node = str(r.node);
  v.index = r.index;
  v.status = static_cast<int32_t>(r.status);
  v.attempt = r.attempt;
  v.has_exit_code = r.exit_code ? 1 : 0;
  v.exit_code = r.exit_code.value_or(0);
  v.executor = str(r.executor);
  v.external_id = str(r.external_id);
  v.error = str(r.error);
  v.output_json = str(r.output_json);
  v.ready_at = r.ready_at;
  v.started_at = r.started_at;
  v.finished_at = r.finished_at;
  v.budget_started_at = r.budget_started_at;
  v.attempts_before = r.attempts_before;
  v.cache_key = str(r.cache_key);
  v.cached_from_run_id = str(r.cached_from.run_id);
  v.cached_from_node = str(r.cached_from.node);
  v.cached_from_index = r.cached_from.index;
  return v;
}
inline weft_cache_lookup to_abi(const CacheLookup& r) {
  weft_cache_lookup v{};
  v.struct_size = sizeof(weft_cache_lookup);
  v.workflow = str(r.workflow);
  v.cache_key = str(r.cache_key);
  v.not_before = r.not_before;
  return v;
}
inline weft_attempt_record to_abi(const AttemptRecord& r) {
  weft_attempt_record v{};
  v.struct_size = sizeof(weft_attempt_record);
  v.run_id = str(r.run_id);
  v.node = str(r.node);
  v.index = r.index;
  v.attempt = r.attempt;
  v.status = static_cast<int32_t>(r.status);
  v.has_exit_code = r.exit_code ? 1 : 0;
  v.exit_code = r.exit_code.value_or(0);
  v.executor = str(r.executor);
  v.external_id = str(r.external_id);
  v.error = str(r.error);
  v.stdout_path = str(r.stdout_path);
  v.stderr_path = str(r.stderr_path);
  v.started_at = r.started_at;
  v.finished_at = r.finished_at;
  return v;
}
inline weft_schedule_state_record to_abi(const ScheduleStateRecord& r) {
  weft_schedule_state_record v{};
  v.struct_size = sizeof(weft_schedule_state_record);
  v.workflow = str(r.workflow);
  v.paused = r.paused ? 1 : 0;
  v.updated_at = r.updated_at;
  return v;
}
inline weft_token_record to_abi(const TokenRecord& r) {
  weft_token_record v{};
  v.struct_size = sizeof(weft_token_record);
  v.id = str(r.id);
  v.hash = str(r.hash);
  v.role = str(r.role);
  v.description = str(r.description);
  v.created_at = r.created_at;
  v.revoked = r.revoked ? 1 : 0;
  v.expires_at = r.expires_at;
  v.workflows = str(r.workflows);
  return v;
}
inline weft_audit_record to_abi(const AuditRecord& r) {
  weft_audit_record v{};
  v.struct_size = sizeof(weft_audit_record);
  v.id = str(r.id);
  v.at = r.at;
  v.token_id = str(r.token_id);
  v.role = str(r.role);
  v.action = str(r.action);
  v.target = str(r.target);
  v.message = str(r.message);
  v.status = r.status;
  return v;
}

inline RunFilter from_abi(const weft_run_filter& f) {
  require_size(f.struct_size, WEFT_RUN_FILTER_SIZE_2_0, "weft_run_filter");
  RunFilter filter{copy(f.workflow),        f.status == 0 ? std::nullopt : std::optional(run_status(f.status)),
                   copy(f.idempotency_key), copy(f.before_id),
                   f.unfinished_only != 0,  f.limit};
  if (WEFT_HAS_FIELD(&f, weft_run_filter, parent_run_id)) filter.parent_run_id = copy(f.parent_run_id);
  return filter;
}
inline weft_run_filter to_abi(const RunFilter& f) {
  weft_run_filter v{};
  v.struct_size = sizeof(weft_run_filter);
  v.workflow = str(f.workflow);
  v.status = f.status ? static_cast<int32_t>(*f.status) : 0;
  v.idempotency_key = str(f.idempotency_key);
  v.before_id = str(f.before_id);
  v.unfinished_only = f.unfinished_only ? 1 : 0;
  v.limit = f.limit;
  v.parent_run_id = str(f.parent_run_id);
  return v;
}
inline weft_message_record to_abi(const MessageRecord& r) {
  weft_message_record v{};
  v.struct_size = sizeof(weft_message_record);
  v.queue = str(r.queue);
  v.id = str(r.id);
  v.body_json = str(r.body_json);
  v.enqueued_at = r.enqueued_at;
  v.state = static_cast<int32_t>(r.state);
  v.deliveries = r.deliveries;
  v.run_id = str(r.run_id);
  v.error = str(r.error);
  v.failed_at = r.failed_at;
  return v;
}

// The ABI views of records and the array of pointers to them that the ABI
// takes; borrows the records' strings, which must outlive it.
template <class Record>
class AbiViews {
 public:
  using Abi = decltype(to_abi(std::declval<const Record&>()));
  explicit AbiViews(const std::vector<Record>& records) {
    views_.reserve(records.size());
    for (const auto& r : records) views_.push_back(to_abi(r));
    pointers_.reserve(views_.size());
    for (const auto& v : views_) pointers_.push_back(&v);
  }
  AbiViews(const AbiViews&) = delete;
  AbiViews& operator=(const AbiViews&) = delete;
  const Abi* const* data() const { return pointers_.data(); }
  size_t size() const { return pointers_.size(); }

 private:
  std::vector<Abi> views_;
  std::vector<const Abi*> pointers_;
};

// Holds the records and pointer arrays of a batch's view; borrows the
// strings of `batch`, which must outlive it.
class AbiWriteBatch {
 public:
  explicit AbiWriteBatch(const WriteBatch& batch)
      : workflows_(batch.workflows),
        runs_(batch.runs),
        tasks_(batch.tasks),
        tokens_(batch.tokens),
        attempts_(batch.attempts),
        schedule_states_(batch.schedule_states),
        audits_(batch.audits),
        messages_(batch.messages) {
    abi_.struct_size = sizeof(weft_write_batch);
    abi_.workflows = workflows_.data();
    abi_.workflow_count = workflows_.size();
    abi_.runs = runs_.data();
    abi_.run_count = runs_.size();
    abi_.tasks = tasks_.data();
    abi_.task_count = tasks_.size();
    abi_.tokens = tokens_.data();
    abi_.token_count = tokens_.size();
    abi_.attempts = attempts_.data();
    abi_.attempt_count = attempts_.size();
    abi_.schedule_states = schedule_states_.data();
    abi_.schedule_state_count = schedule_states_.size();
    fence_as(batch.lease_owner, batch.lease_ms);
    for (const auto& lease : batch.leases) {
      lease_run_ids_.push_back(str(lease.run_id));
      lease_generations_.push_back(lease.generation);
    }
    abi_.lease_run_ids = lease_run_ids_.data();
    abi_.lease_generations = lease_generations_.data();
    abi_.lease_count = lease_run_ids_.size();
    abi_.audits = audits_.data();
    abi_.audit_count = audits_.size();
    abi_.audit_prune_before = batch.audit_prune_before;
    abi_.audit_prune_limit = batch.audit_prune_limit;
    abi_.message_prune_before = batch.message_prune_before;
    abi_.message_prune_limit = batch.message_prune_limit;
    abi_.messages = messages_.data();
    abi_.message_count = messages_.size();
  }
  AbiWriteBatch(const AbiWriteBatch&) = delete;
  AbiWriteBatch& operator=(const AbiWriteBatch&) = delete;
  const weft_write_batch* get() const { return &abi_; }
  // The writer whose leases fence the batch; owner must outlive this.
  void fence_as(std::string_view owner, int64_t lease_ms) {
    abi_.lease_owner = str(owner);
    abi_.lease_ms = lease_ms;
  }

 private:
  AbiViews<WorkflowRecord> workflows_;
  AbiViews<RunRecord> runs_;
  AbiViews<TaskRecord> tasks_;
  AbiViews<TokenRecord> tokens_;
  AbiViews<AttemptRecord> attempts_;
  AbiViews<ScheduleStateRecord> schedule_states_;
  AbiViews<AuditRecord> audits_;
  AbiViews<MessageRecord> messages_;
  std::vector<weft_str> lease_run_ids_;
  std::vector<int64_t> lease_generations_;
  weft_write_batch abi_{};
};

inline WriteBatch from_abi(const weft_write_batch& b) {
  require_size(b.struct_size, WEFT_WRITE_BATCH_SIZE_2_0, "weft_write_batch");
  WriteBatch out;
  for (size_t i = 0; i < b.workflow_count; ++i) out.workflows.push_back(from_abi(*b.workflows[i]));
  for (size_t i = 0; i < b.run_count; ++i) out.runs.push_back(from_abi(*b.runs[i]));
  for (size_t i = 0; i < b.task_count; ++i) out.tasks.push_back(from_abi(*b.tasks[i]));
  for (size_t i = 0; i < b.token_count; ++i) out.tokens.push_back(from_abi(*b.tokens[i]));
  if (WEFT_HAS_FIELD(&b, weft_write_batch, schedule_state_count)) {
    for (size_t i = 0; i < b.attempt_count; ++i) out.attempts.push_back(from_abi(*b.attempts[i]));
    for (size_t i = 0; i < b.schedule_state_count; ++i) out.schedule_states.push_back(from_abi(*b.schedule_states[i]));
  }
  if (WEFT_HAS_FIELD(&b, weft_write_batch, lease_count)) {
    out.lease_owner = copy(b.lease_owner);
    out.lease_ms = b.lease_ms;
    for (size_t i = 0; i < b.lease_count; ++i) out.leases.push_back({copy(b.lease_run_ids[i]), b.lease_generations[i]});
  }
  if (WEFT_HAS_FIELD(&b, weft_write_batch, audit_prune_limit)) {
    for (size_t i = 0; i < b.audit_count; ++i) out.audits.push_back(from_abi(*b.audits[i]));
    out.audit_prune_before = b.audit_prune_before;
    out.audit_prune_limit = b.audit_prune_limit;
  }
  if (WEFT_HAS_FIELD(&b, weft_write_batch, message_count)) {
    for (size_t i = 0; i < b.message_count; ++i) out.messages.push_back(from_abi(*b.messages[i]));
  }
  if (WEFT_HAS_FIELD(&b, weft_write_batch, message_prune_limit)) {
    out.message_prune_before = b.message_prune_before;
    out.message_prune_limit = b.message_prune_limit;
  }
  return out;
}

}  // namespace weft::sdk
