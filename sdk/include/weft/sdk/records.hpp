// The store's records as C++ values, and their conversion to and from the
// ABI's views. Both sides of the boundary use these: the daemon to call a
// store, the SDK's thunks to serve one.
#pragma once

#include <weft/sdk/plugin.hpp>

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
  std::string status;
  std::string params_json;
  std::string document_json;
  std::string idempotency_key;
  std::string error;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
};

struct TaskRecord {
  std::string run_id;
  std::string node;
  int64_t index = -1;
  std::string status;
  int32_t attempt = 0;
  std::optional<int32_t> exit_code;
  std::string executor;
  std::string external_id;
  std::string error;
  std::string output_json;
  int64_t ready_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
};

struct TokenRecord {
  std::string id;
  std::string hash;
  std::string role;
  std::string description;
  int64_t created_at = 0;
  bool revoked = false;
};

struct WriteBatch {
  std::vector<WorkflowRecord> workflows;
  std::vector<RunRecord> runs;
  std::vector<TaskRecord> tasks;
  std::vector<TokenRecord> tokens;
  bool empty() const { return workflows.empty() && runs.empty() && tasks.empty() && tokens.empty(); }
};

struct RunFilter {
  std::string workflow;
  std::string status;
  std::string idempotency_key;
  std::string before_id;
  bool unfinished_only = false;
  int32_t limit = 0;
};

// Reads a field only if the struct the other side built is large enough to
// have it: how append-only structs stay compatible across minor versions.
#define WEFT_HAS_FIELD(ptr, field) \
  ((ptr)->struct_size >= offsetof(std::remove_pointer_t<decltype(ptr)>, field) + sizeof((ptr)->field))

inline std::string copy(weft_str s) { return std::string(view(s)); }

inline WorkflowRecord from_abi(const weft_workflow_record& r) {
  return {copy(r.name), r.version, copy(r.document_json), copy(r.digest), r.created_at, r.deleted != 0};
}
inline RunRecord from_abi(const weft_run_record& r) {
  return {copy(r.id),
          copy(r.workflow),
          r.version,
          copy(r.status),
          copy(r.params_json),
          copy(r.document_json),
          copy(r.idempotency_key),
          copy(r.error),
          r.created_at,
          r.started_at,
          r.finished_at};
}
inline TaskRecord from_abi(const weft_task_record& r) {
  TaskRecord t{copy(r.run_id),   copy(r.node),        r.index,       copy(r.status),      r.attempt,  std::nullopt,
               copy(r.executor), copy(r.external_id), copy(r.error), copy(r.output_json), r.ready_at, r.started_at,
               r.finished_at};
  if (r.has_exit_code) t.exit_code = r.exit_code;
  return t;
}
inline TokenRecord from_abi(const weft_token_record& r) {
  return {copy(r.id), copy(r.hash), copy(r.role), copy(r.description), r.created_at, r.revoked != 0};
}

// The returned views borrow from the argument, which must outlive them.
inline weft_workflow_record to_abi(const WorkflowRecord& r) {
  return {sizeof(weft_workflow_record),
          str(r.name),
          r.version,
          str(r.document_json),
          str(r.digest),
          r.created_at,
          r.deleted ? 1 : 0};
}
inline weft_run_record to_abi(const RunRecord& r) {
  return {sizeof(weft_run_record),
          str(r.id),
          str(r.workflow),
          r.version,
          str(r.status),
          str(r.params_json),
          str(r.document_json),
          str(r.idempotency_key),
          str(r.error),
          r.created_at,
          r.started_at,
          r.finished_at};
}
inline weft_task_record to_abi(const TaskRecord& r) {
  return {sizeof(weft_task_record),
          str(r.run_id),
          str(r.node),
          r.index,
          str(r.status),
          r.attempt,
          r.exit_code ? 1 : 0,
          r.exit_code.value_or(0),
          str(r.executor),
          str(r.external_id),
          str(r.error),
          str(r.output_json),
          r.ready_at,
          r.started_at,
          r.finished_at};
}
inline weft_token_record to_abi(const TokenRecord& r) {
  return {sizeof(weft_token_record), str(r.id),    str(r.hash),      str(r.role),
          str(r.description),        r.created_at, r.revoked ? 1 : 0};
}

inline RunFilter from_abi(const weft_run_filter& f) {
  return {copy(f.workflow),  copy(f.status),         copy(f.idempotency_key),
          copy(f.before_id), f.unfinished_only != 0, f.limit};
}
inline weft_run_filter to_abi(const RunFilter& f) {
  return {sizeof(weft_run_filter), str(f.workflow),           str(f.status), str(f.idempotency_key),
          str(f.before_id),        f.unfinished_only ? 1 : 0, f.limit};
}

// Holds the C arrays of a batch; views into `batch`, which must outlive it.
class AbiWriteBatch {
 public:
  explicit AbiWriteBatch(const WriteBatch& batch) {
    for (const auto& r : batch.workflows) workflows_.push_back(to_abi(r));
    for (const auto& r : batch.runs) runs_.push_back(to_abi(r));
    for (const auto& r : batch.tasks) tasks_.push_back(to_abi(r));
    for (const auto& r : batch.tokens) tokens_.push_back(to_abi(r));
    abi_ = {sizeof(weft_write_batch),
            workflows_.data(),
            workflows_.size(),
            runs_.data(),
            runs_.size(),
            tasks_.data(),
            tasks_.size(),
            tokens_.data(),
            tokens_.size()};
  }
  const weft_write_batch* get() const { return &abi_; }

 private:
  std::vector<weft_workflow_record> workflows_;
  std::vector<weft_run_record> runs_;
  std::vector<weft_task_record> tasks_;
  std::vector<weft_token_record> tokens_;
  weft_write_batch abi_{};
};

inline WriteBatch from_abi(const weft_write_batch& b) {
  WriteBatch out;
  for (size_t i = 0; i < b.workflow_count; ++i) out.workflows.push_back(from_abi(b.workflows[i]));
  for (size_t i = 0; i < b.run_count; ++i) out.runs.push_back(from_abi(b.runs[i]));
  for (size_t i = 0; i < b.task_count; ++i) out.tasks.push_back(from_abi(b.tasks[i]));
  for (size_t i = 0; i < b.token_count; ++i) out.tokens.push_back(from_abi(b.tokens[i]));
  return out;
}

}  // namespace weft::sdk
