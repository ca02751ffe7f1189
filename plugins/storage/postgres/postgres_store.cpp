// The postgres store's statements and the code that runs them. Over 400
// lines as one file on purpose: every statement is prepared by name from
// here, and its parameters are built next to it (one statement set per
// record kind, each written and read the same way, side by side), so a
// column added to a table is changed in one place. The connection, pool and
// schema are apart.
#include "postgres_store.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "postgres_schema.hpp"

namespace weft::storage::postgres {
namespace {

constexpr const char* kWorkflowColumns = "name, version, document_json, digest, created_at, deleted";
constexpr const char* kRunColumns =
    "id, workflow, version, status, params_json, document_json, idempotency_key, error, created_at, started_at, "
    "finished_at, parent_run_id, parent_node, parent_index";
constexpr const char* kTaskColumns =
    "run_id, node, idx, status, attempt, exit_code, executor, external_id, error, output_json, ready_at, started_at, "
    "finished_at, budget_started_at, attempts_before, cache_key, cached_from_run_id, cached_from_node, "
    "cached_from_index";
constexpr const char* kAttemptColumns =
    "run_id, node, idx, attempt, status, exit_code, executor, external_id, error, stdout_path, stderr_path, "
    "started_at, finished_at";
constexpr const char* kScheduleStateColumns = "workflow, paused, updated_at";
constexpr const char* kTokenColumns = "id, hash, role, description, created_at, revoked, expires_at, workflows";
constexpr const char* kAuditColumns = "id, at, token_id, role, action, target, message, status";
constexpr const char* kMessageColumns =
    "queue, id, body_json, enqueued_at, state, deliveries, run_id, error, failed_at";

const Statement kBegin{"begin", "BEGIN"};
const Statement kCommit{"commit", "COMMIT"};
// A version stored with another digest matches the WHERE and is left alone: 0 rows affected.
const Statement kUpsertWorkflow{
    "upsert_workflow",
    "INSERT INTO workflows (" + std::string(kWorkflowColumns) +
        ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name, version) DO UPDATE SET "
        "document_json = excluded.document_json, digest = excluded.digest, created_at = excluded.created_at, "
        "deleted = excluded.deleted WHERE workflows.digest IS NOT DISTINCT FROM excluded.digest"};
// A run inserted by an instance that shares the store is held by it from
// the start ($15, for $16 ms, generation 1); an update leaves the lease alone.
const Statement kUpsertRun{"upsert_run",
                           "INSERT INTO runs (" + std::string(kRunColumns) +
                               ", owner, lease_generation, lease_deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                               "$10, $11, $12, $13, $14, $15::text, CASE WHEN $15::text IS NULL THEN 0 ELSE 1 END, "
                               "CASE WHEN $15::text IS NULL THEN NULL ELSE now() + $16::bigint * interval '1 ms' END) "
                               "ON CONFLICT (id) DO UPDATE SET "
                               "workflow = excluded.workflow, version = excluded.version, status = excluded.status, "
                               "params_json = excluded.params_json, document_json = excluded.document_json, "
                               "idempotency_key = excluded.idempotency_key, error = excluded.error, "
                               "created_at = excluded.created_at, started_at = excluded.started_at, "
                               "finished_at = excluded.finished_at, parent_run_id = excluded.parent_run_id, "
                               "parent_node = excluded.parent_node, parent_index = excluded.parent_index"};
// Every task (and attempt) of a batch in one statement: each column goes as
// one array parameter and unnest turns the arrays back into rows. A run of
// 10,000 tasks is one round of parsing and planning, not 10,000.
const Statement kUpsertTasks{
    "upsert_tasks", "INSERT INTO tasks (" + std::string(kTaskColumns) +
                        ") SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::integer[], "
                        "$6::integer[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], "
                        "$12::bigint[], $13::bigint[], $14::bigint[], $15::integer[], $16::text[], $17::text[], "
                        "$18::text[], $19::bigint[]) "
                        "ON CONFLICT (run_id, node, idx) DO UPDATE SET status = excluded.status, "
                        "attempt = excluded.attempt, exit_code = excluded.exit_code, executor = excluded.executor, "
                        "external_id = excluded.external_id, error = excluded.error, "
                        "output_json = excluded.output_json, ready_at = excluded.ready_at, "
                        "started_at = excluded.started_at, finished_at = excluded.finished_at, "
                        "budget_started_at = excluded.budget_started_at, attempts_before = excluded.attempts_before, "
                        "cache_key = excluded.cache_key, cached_from_run_id = excluded.cached_from_run_id, "
                        "cached_from_node = excluded.cached_from_node, cached_from_index = excluded.cached_from_index"};
const Statement kUpsertAttempts{
    "upsert_attempts", "INSERT INTO attempts (" + std::string(kAttemptColumns) +
                           ") SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[], $5::text[], "
                           "$6::integer[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], "
                           "$12::bigint[], $13::bigint[]) "
                           "ON CONFLICT (run_id, node, idx, attempt) DO UPDATE SET status = excluded.status, "
                           "exit_code = excluded.exit_code, executor = excluded.executor, "
                           "external_id = excluded.external_id, error = excluded.error, "
                           "stdout_path = excluded.stdout_path, stderr_path = excluded.stderr_path, "
                           "started_at = excluded.started_at, finished_at = excluded.finished_at"};
const Statement kUpsertScheduleState{"upsert_schedule_state",
                                     "INSERT INTO schedule_states (" + std::string(kScheduleStateColumns) +
                                         ") VALUES ($1, $2, $3) ON CONFLICT (workflow) DO UPDATE SET "
                                         "paused = excluded.paused, updated_at = excluded.updated_at"};
const Statement kUpsertToken{"upsert_token", "INSERT INTO tokens (" + std::string(kTokenColumns) +
                                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE "
                                                 "SET hash = excluded.hash, role = excluded.role, "
                                                 "description = excluded.description, "
                                                 "created_at = excluded.created_at, revoked = excluded.revoked, "
                                                 "expires_at = excluded.expires_at, workflows = excluded.workflows"};
// Entries are never updated: one retried after a commit whose answer was lost is already there.
const Statement kInsertAudit{"insert_audit", "INSERT INTO audit (" + std::string(kAuditColumns) +
                                                 ") SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], "
                                                 "$4::text[], $5::text[], $6::text[], $7::text[], $8::integer[]) "
                                                 "ON CONFLICT (id) DO NOTHING"};
// Delivered at COMMIT, to every session that LISTENs (WorkListener).
const Statement kNotifyWork{"notify_work", "SELECT pg_notify($1, '')"};
const Statement kPruneAudit{"prune_audit",
                            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 ORDER BY at LIMIT $2)"};

// The oldest first, through the index messages_done.
const Statement kPruneDoneMessages{
    "prune_done_messages",
    "DELETE FROM messages WHERE (queue, id) IN (SELECT queue, id FROM messages WHERE state = 'done' AND "
    "enqueued_at < $1 ORDER BY enqueued_at LIMIT $2)"};
// A stored DEAD message enqueued again is redriven; any other stored one stays as it is.
const Statement kEnqueue{"enqueue", "INSERT INTO messages (" + std::string(kMessageColumns) +
                                        ") VALUES ($1, $2, $3, $4, 'ready', 0, NULL, NULL, 0) "
                                        "ON CONFLICT (queue, id) DO UPDATE SET state = 'ready', error = NULL, "
                                        "failed_at = 0 WHERE messages.state = 'dead'"};
const Statement kEndDelivery{"end_delivery",
                             "UPDATE messages SET state = $1, error = $2, failed_at = $3 WHERE queue = $4 AND id = $5 "
                             "AND state = 'taken' AND run_id = $6"};
// Claims from one queue take turns (so that max_taken holds for instances
// claiming together); the rows a redrive or an end of delivery is writing
// are skipped, not waited for.
const Statement kLockQueue{"lock_queue", "SELECT pg_advisory_xact_lock(2003133044, hashtext($1))"};
const Statement kCountTaken{"count_taken", "SELECT count(*) FROM messages WHERE queue = $1 AND state = 'taken'"};
const Statement kOldestReady{"oldest_ready", "SELECT " + std::string(kMessageColumns) +
                                                 " FROM messages WHERE queue = $1 AND state = 'ready' "
                                                 "ORDER BY enqueued_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"};
const Statement kTake{"take",
                      "UPDATE messages SET state = 'taken', deliveries = $1, run_id = $2 WHERE queue = $3 AND id = $4"};
const Statement kListQueues{"list_queues",
                            "SELECT queue, count(*) FILTER (WHERE state = 'ready'), count(*) FILTER (WHERE state = "
                            "'taken'), count(*) FILTER (WHERE state = 'dead') FROM messages GROUP BY queue "
                            "ORDER BY queue"};
// LIMIT NULL: no limit.
const Statement kListMessages{"list_messages", "SELECT " + std::string(kMessageColumns) +
                                                   " FROM messages WHERE queue = $1 AND state = $2 "
                                                   "ORDER BY enqueued_at, id LIMIT $3"};
const Statement kListMessagesAfter{"list_messages_after",
                                   "SELECT " + std::string(kMessageColumns) +
                                       " FROM messages WHERE queue = $1 AND state = $2 AND (enqueued_at, id) > "
                                       "(SELECT enqueued_at, id FROM messages WHERE queue = $1 AND id = $3) "
                                       "ORDER BY enqueued_at, id LIMIT $4"};

// The batch's fence, first in its transaction: locks the stored runs it
// names (so no claim takes them before COMMIT) and says of each whether the
// writer still holds it at its generation.
const Statement kFenceRuns{"fence_runs",
                           "SELECT r.id, r.owner IS NOT DISTINCT FROM $3 AND r.lease_generation = f.generation "
                           "FROM unnest($1::text[], $2::bigint[]) AS f(id, generation) JOIN runs r ON r.id = f.id "
                           "ORDER BY r.id FOR UPDATE OF r"};

std::string select(const char* columns, const char* table) {
  return "SELECT " + std::string(columns) + " FROM " + table;
}

const Statement kSelectWorkflowVersion{"workflow_version",
                                       select(kWorkflowColumns, "workflows") + " WHERE name = $1 AND version = $2"};
const Statement kSelectLatestWorkflow{
    "latest_workflow", select(kWorkflowColumns, "workflows") + " WHERE name = $1 ORDER BY version DESC LIMIT 1"};
const Statement kSelectListedWorkflows{
    "listed_workflows",
    select(kWorkflowColumns, "workflows") +
        " AS w WHERE NOT deleted AND version = (SELECT max(version) FROM workflows WHERE name = w.name) ORDER BY name"};
const Statement kSelectRun{"run", select(kRunColumns, "runs") + " WHERE id = $1"};
const Statement kSelectTasksOfRun{"tasks_of_run",
                                  select(kTaskColumns, "tasks") + " WHERE run_id = $1 ORDER BY node, idx"};
// Every lookup of a batch in one statement, each the newest row of the
// index tasks_by_cache_key (its conditions are here so that it is used)
// with the key, whose run is of the workflow; the lookup's number last.
const Statement kSelectCached{
    "cached_tasks",
    "SELECT t.*, l.i FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS l(workflow, cache_key, "
    "not_before, i) CROSS JOIN LATERAL (" +
        select(kTaskColumns, "tasks") +
        " WHERE cache_key = l.cache_key AND cached_from_run_id IS NULL AND status = 'succeeded' AND "
        "finished_at >= l.not_before AND EXISTS (SELECT 1 FROM runs WHERE runs.id = tasks.run_id AND "
        "runs.workflow = l.workflow) ORDER BY finished_at DESC LIMIT 1) AS t"};
const Statement kSelectTokens{"tokens", select(kTokenColumns, "tokens") + " ORDER BY id"};
const Statement kSelectAttemptsOfRun{
    "attempts_of_run", select(kAttemptColumns, "attempts") + " WHERE run_id = $1 ORDER BY node, idx, attempt"};
const Statement kSelectScheduleStates{"schedule_states",
                                      select(kScheduleStateColumns, "schedule_states") + " ORDER BY workflow"};
// LIMIT NULL: no limit.
const Statement kSelectNewestAudit{"newest_audit", select(kAuditColumns, "audit") + " ORDER BY id DESC LIMIT $1"};
const Statement kSelectAuditBefore{"audit_before",
                                   select(kAuditColumns, "audit") + " WHERE id < $1 ORDER BY id DESC LIMIT $2"};

// Text as a parameter: empty text is NULL (see the schema). A NUL byte,
// which PostgreSQL's text cannot hold (libpq would cut the value there, and
// an array literal would be malformed), becomes U+FFFD.
std::optional<std::string> text(std::string_view value) {
  if (value.empty()) return std::nullopt;
  std::string kept(value);
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  for (auto at = kept.find('\0'); at != std::string::npos; at = kept.find('\0', at + kReplacement.size())) {
    kept.replace(at, 1, kReplacement);
  }
  return kept;
}
std::optional<std::string> number(int64_t value) { return std::to_string(value); }
std::optional<std::string> number(std::optional<int32_t> value) {
  if (!value) return std::nullopt;
  return std::to_string(*value);
}
std::optional<std::string> boolean(bool value) { return value ? "true" : "false"; }
bool read_boolean(const Result& rows, int row, int column) { return rows.text(row, column) == "t"; }

// Statuses are stored as their names (sdk::to_string), as the API shows them
// and the sqlite store keeps them; a name that is no status (a row written by
// something else, or edited by hand) is an error naming it and the record.
template <class Status>
Status read_status(const Result& rows, int row, int column, std::optional<Status> (*parse)(std::string_view),
                   const std::string& record) {
  const std::string name = rows.text(row, column);
  if (const auto status = parse(name)) return *status;
  throw std::runtime_error("postgres: " + record + " has the unknown status '" + name + "'");
}

sdk::WorkflowRecord read_workflow(const Result& rows, int row) {
  return {rows.text(row, 0), rows.integer(row, 1), rows.text(row, 2),
          rows.text(row, 3), rows.integer(row, 4), read_boolean(rows, row, 5)};
}

sdk::RunRecord read_run(const Result& rows, int row) {
  return {rows.text(row, 0),
          rows.text(row, 1),
          rows.integer(row, 2),
          read_status<sdk::RunStatus>(rows, row, 3, sdk::parse_run_status, "run '" + rows.text(row, 0) + "'"),
          rows.text(row, 4),
          rows.text(row, 5),
          rows.text(row, 6),
          rows.text(row, 7),
          rows.integer(row, 8),
          rows.integer(row, 9),
          rows.integer(row, 10),
          rows.text(row, 11),
          rows.text(row, 12),
          rows.integer(row, 13)};
}

sdk::TaskRecord read_task(const Result& rows, int row) {
  const std::string record =
      "task '" + rows.text(row, 1) + "' [" + rows.text(row, 2) + "] of run '" + rows.text(row, 0) + "'";
  return {rows.text(row, 0),
          rows.text(row, 1),
          rows.integer(row, 2),
          read_status<sdk::TaskStatus>(rows, row, 3, sdk::parse_task_status, record),
          static_cast<int32_t>(rows.integer(row, 4)),
          rows.optional_integer(row, 5),
          rows.text(row, 6),
          rows.text(row, 7),
          rows.text(row, 8),
          rows.text(row, 9),
          rows.integer(row, 10),
          rows.integer(row, 11),
          rows.integer(row, 12),
          rows.integer(row, 13),
          static_cast<int32_t>(rows.integer(row, 14)),
          rows.text(row, 15),
          {rows.text(row, 16), rows.text(row, 17), rows.integer(row, 18)}};
}

sdk::AttemptRecord read_attempt(const Result& rows, int row) {
  const std::string record = "attempt " + rows.text(row, 3) + " of task '" + rows.text(row, 1) + "' [" +
                             rows.text(row, 2) + "] of run '" + rows.text(row, 0) + "'";
  return {rows.text(row, 0),
          rows.text(row, 1),
          rows.integer(row, 2),
          static_cast<int32_t>(rows.integer(row, 3)),
          read_status<sdk::TaskStatus>(rows, row, 4, sdk::parse_task_status, record),
          rows.optional_integer(row, 5),
          rows.text(row, 6),
          rows.text(row, 7),
          rows.text(row, 8),
          rows.text(row, 9),
          rows.text(row, 10),
          rows.integer(row, 11),
          rows.integer(row, 12)};
}

sdk::ScheduleStateRecord read_schedule_state(const Result& rows, int row) {
  return {rows.text(row, 0), read_boolean(rows, row, 1), rows.integer(row, 2)};
}

sdk::TokenRecord read_token(const Result& rows, int row) {
  return {rows.text(row, 0),    rows.text(row, 1),          rows.text(row, 2),    rows.text(row, 3),
          rows.integer(row, 4), read_boolean(rows, row, 5), rows.integer(row, 6), rows.text(row, 7)};
}

sdk::AuditRecord read_audit(const Result& rows, int row) {
  return {rows.text(row, 0), rows.integer(row, 1), rows.text(row, 2), rows.text(row, 3),
          rows.text(row, 4), rows.text(row, 5),    rows.text(row, 6), static_cast<int32_t>(rows.integer(row, 7))};
}

sdk::MessageRecord read_message(const Result& rows, int row) {
  const std::string state = rows.text(row, 4);
  const auto parsed = sdk::parse_message_state(state);
  if (!parsed) {
    throw std::runtime_error("postgres: message '" + rows.text(row, 1) + "' of queue '" + rows.text(row, 0) +
                             "' has the unknown state '" + state + "'");
  }
  return {rows.text(row, 0),    rows.text(row, 1), rows.text(row, 2),
          rows.integer(row, 3), *parsed,           static_cast<int32_t>(rows.integer(row, 5)),
          rows.text(row, 6),    rows.text(row, 7), rows.integer(row, 8)};
}

template <class Read>
auto read_all(const Result& rows, Read read) {
  std::vector<decltype(read(rows, 0))> records;
  records.reserve(static_cast<size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) records.push_back(read(rows, row));
  return records;
}

template <class Read>
auto read_first(const Result& rows, Read read) -> std::optional<decltype(read(rows, 0))> {
  if (rows.rows() == 0) return std::nullopt;
  return read(rows, 0);
}

// "status IN ('created', 'queued', 'running')": every run status that is not final.
std::string unfinished_run_condition() {
  std::string names;
  for (int32_t value = 1; const auto status = sdk::run_status_from_abi(value); ++value) {
    if (!sdk::is_final(*status)) names += (names.empty() ? "'" : ", '") + std::string(sdk::to_string(*status)) + "'";
  }
  return "status IN (" + names + ")";
}

std::string unfinished() {
  static const std::string condition = unfinished_run_condition();
  return condition;
}

// SKIP LOCKED: runs another instance is claiming or writing are left to it,
// so instances claiming at once never wait on each other nor get one run twice.
const Statement kClaimRuns{
    "claim_runs",
    "WITH picked AS (SELECT id FROM runs WHERE " + unfinished() +
        " AND (($5 AND owner IS NULL) OR lease_deadline < now() OR ($4 AND owner = $1)) ORDER BY created_at "
        "LIMIT $3 "
        "FOR UPDATE SKIP LOCKED) "
        "UPDATE runs SET owner = $1, lease_generation = runs.lease_generation + 1, "
        "lease_deadline = now() + $2::bigint * interval '1 ms' FROM picked WHERE runs.id = picked.id "
        "RETURNING runs.id, runs.lease_generation"};
const Statement kRenewLeases{
    "renew_leases",
    "WITH beat AS (INSERT INTO instances (id, address, heartbeat_at) VALUES ($1, $2, now()) "
    "ON CONFLICT (id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at) "
    "UPDATE runs SET lease_deadline = now() + $3::bigint * interval '1 ms' WHERE owner = $1 AND " +
        unfinished() + " RETURNING id, lease_generation"};
const Statement kClaimFinishedRun{"claim_finished_run",
                                  "UPDATE runs SET owner = $1, lease_generation = lease_generation + 1, "
                                  "lease_deadline = now() + $3::bigint * interval '1 ms' WHERE id = $2 AND NOT " +
                                      unfinished() + " RETURNING lease_generation"};
const Statement kRunExists{"run_exists", "SELECT 1 FROM runs WHERE id = $1"};
const Statement kListInstances{"list_instances",
                               "SELECT i.id, i.address, (extract(epoch FROM i.heartbeat_at) * 1000)::bigint, "
                               "(SELECT count(*) FROM runs r WHERE r.owner = i.id AND " +
                                   unfinished() + ") FROM instances i ORDER BY i.id"};

std::vector<sdk::RunLease> read_leases(const Result& rows) {
  std::vector<sdk::RunLease> leases;
  for (int row = 0; row < rows.rows(); ++row) leases.push_back({rows.text(row, 0), rows.integer(row, 1)});
  return leases;
}

// The statement depends only on which filters are set, so there are few
// distinct ones, each prepared once per connection under a name saying
// which; the parameters follow the conditions' order.
struct RunQuery {
  Statement statement;
  Params params;
};

RunQuery list_runs_query(const sdk::RunFilter& filter) {
  static const std::string kUnfinished = unfinished();
  RunQuery query{{"list_runs", select(kRunColumns, "runs") + " WHERE true"}, {}};
  const auto add = [&](const char* name, const std::string& condition, std::optional<std::string> param) {
    query.statement.name += std::string("_") + name;
    query.params.push_back(std::move(param));
    query.statement.sql += " AND " + condition + "$" + std::to_string(query.params.size());
  };
  if (!filter.workflow.empty()) add("workflow", "workflow = ", filter.workflow);
  if (filter.status) add("status", "status = ", std::string(sdk::to_string(*filter.status)));
  if (!filter.idempotency_key.empty()) add("key", "idempotency_key = ", filter.idempotency_key);
  if (!filter.parent_run_id.empty()) add("parent", "parent_run_id = ", filter.parent_run_id);
  if (filter.unfinished_only) {
    query.statement.name += "_unfinished";
    query.statement.sql += " AND " + kUnfinished;
  }
  if (!filter.before_id.empty()) {
    add("before", "(created_at, id) < (SELECT created_at, id FROM runs WHERE id = ", filter.before_id);
    query.statement.sql += ")";
  }
  query.params.push_back(filter.limit > 0 ? number(filter.limit) : std::nullopt);  // LIMIT NULL: no limit
  query.statement.sql += " ORDER BY created_at DESC, id DESC LIMIT $" + std::to_string(query.params.size());
  return query;
}

void add_workflow(std::vector<Step>& steps, const sdk::WorkflowRecord& w) {
  steps.push_back({&kUpsertWorkflow,
                   {text(w.name), number(w.version), text(w.document_json), text(w.digest), number(w.created_at),
                    boolean(w.deleted)}});
}

void add_run(std::vector<Step>& steps, const sdk::RunRecord& r, const sdk::WriteBatch& batch) {
  steps.push_back({&kUpsertRun,
                   {text(r.id), text(r.workflow), number(r.version), text(sdk::to_string(r.status)),
                    text(r.params_json), text(r.document_json), text(r.idempotency_key), text(r.error),
                    number(r.created_at), number(r.started_at), number(r.finished_at), text(r.parent_run_id),
                    text(r.parent_node), number(r.parent_index), text(batch.lease_owner), number(batch.lease_ms)}});
}

// A PostgreSQL array literal of the values, each quoted (the element
// type's input reads "12" as 12), NULL for a missing one.
std::string array_literal(const std::vector<std::optional<std::string>>& values) {
  std::string literal = "{";
  for (const auto& value : values) {
    if (literal.size() > 1) literal += ',';
    if (!value) {
      literal += "NULL";
      continue;
    }
    literal += '"';
    for (const char c : *value) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

// One step for all the records, as the statement's unnest of one array per
// column. A record written twice in one batch keeps its last version (by
// key_of): one statement may not update the same row twice.
template <size_t kColumns, class Record, class KeyOf, class RowOf>
void add_unnested(std::vector<Step>& steps, const Statement& statement, const std::vector<Record>& records,
                  KeyOf key_of, RowOf row_of) {
  if (records.empty()) return;
  std::map<decltype(key_of(records.front())), const Record*> last;
  for (const auto& record : records) last[key_of(record)] = &record;
  std::array<Params, kColumns> columns;
  for (auto& column : columns) column.reserve(last.size());
  for (const auto& [key, record] : last) {
    const std::array<std::optional<std::string>, kColumns> row = row_of(*record);
    for (size_t i = 0; i < kColumns; ++i) columns[i].push_back(row[i]);
  }
  Params params;
  params.reserve(kColumns);
  for (const auto& column : columns) params.emplace_back(array_literal(column));
  steps.push_back({&statement, std::move(params)});
}

void add_tasks(std::vector<Step>& steps, const std::vector<sdk::TaskRecord>& tasks) {
  add_unnested<19>(
      steps, kUpsertTasks, tasks,
      [](const sdk::TaskRecord& t) {
        return std::tuple<std::string_view, std::string_view, int64_t>{t.run_id, t.node, t.index};
      },
      [](const sdk::TaskRecord& t) {
        return std::array<std::optional<std::string>, 19>{text(t.run_id),
                                                          text(t.node),
                                                          number(t.index),
                                                          text(sdk::to_string(t.status)),
                                                          number(int64_t{t.attempt}),
                                                          number(t.exit_code),
                                                          text(t.executor),
                                                          text(t.external_id),
                                                          text(t.error),
                                                          text(t.output_json),
                                                          number(t.ready_at),
                                                          number(t.started_at),
                                                          number(t.finished_at),
                                                          number(t.budget_started_at),
                                                          number(int64_t{t.attempts_before}),
                                                          text(t.cache_key),
                                                          text(t.cached_from.run_id),
                                                          text(t.cached_from.node),
                                                          number(t.cached_from.index)};
      });
}

void add_attempts(std::vector<Step>& steps, const std::vector<sdk::AttemptRecord>& attempts) {
  add_unnested<13>(
      steps, kUpsertAttempts, attempts,
      [](const sdk::AttemptRecord& a) {
        return std::tuple<std::string_view, std::string_view, int64_t, int>{a.run_id, a.node, a.index, a.attempt};
      },
      [](const sdk::AttemptRecord& a) {
        return std::array<std::optional<std::string>, 13>{text(a.run_id),
                                                          text(a.node),
                                                          number(a.index),
                                                          number(int64_t{a.attempt}),
                                                          text(sdk::to_string(a.status)),
                                                          number(a.exit_code),
                                                          text(a.executor),
                                                          text(a.external_id),
                                                          text(a.error),
                                                          text(a.stdout_path),
                                                          text(a.stderr_path),
                                                          number(a.started_at),
                                                          number(a.finished_at)};
      });
}

void add_schedule_state(std::vector<Step>& steps, const sdk::ScheduleStateRecord& s) {
  steps.push_back({&kUpsertScheduleState, {text(s.workflow), boolean(s.paused), number(s.updated_at)}});
}

void add_fence(std::vector<Step>& steps, const sdk::WriteBatch& batch) {
  Params ids;
  Params generations;
  for (const auto& lease : batch.leases) {
    ids.emplace_back(lease.run_id);
    generations.push_back(number(lease.generation));
  }
  steps.push_back({&kFenceRuns, {array_literal(ids), array_literal(generations), text(batch.lease_owner)}});
}

// The fence's answer: throws LeaseLost naming the runs the writer no longer holds.
void check_fence(const Result& fence) {
  std::string lost;
  for (int row = 0; row < fence.rows(); ++row) {
    if (fence.text(row, 1) != "t") lost += (lost.empty() ? "" : ", ") + fence.text(row, 0);
  }
  if (!lost.empty()) throw sdk::LeaseLost("the writer no longer holds the lease of run(s) " + lost);
}

void add_token(std::vector<Step>& steps, const sdk::TokenRecord& t) {
  steps.push_back({&kUpsertToken,
                   {text(t.id), text(t.hash), text(t.role), text(t.description), number(t.created_at),
                    boolean(t.revoked), number(t.expires_at), text(t.workflows)}});
}

void add_audit(std::vector<Step>& steps, const sdk::WriteBatch& batch) {
  add_unnested<8>(
      steps, kInsertAudit, batch.audits, [](const sdk::AuditRecord& a) { return std::string_view(a.id); },
      [](const sdk::AuditRecord& a) {
        return std::array<std::optional<std::string>, 8>{
            text(a.id),     number(a.at),   text(a.token_id), text(a.role),
            text(a.action), text(a.target), text(a.message),  number(int64_t{a.status})};
      });
  if (batch.audit_prune_limit > 0) {
    steps.push_back({&kPruneAudit, {number(batch.audit_prune_before), number(batch.audit_prune_limit)}});
  }
}

void add_message(std::vector<Step>& steps, const sdk::MessageRecord& m) {
  switch (m.state) {
    case sdk::MessageState::ready:
      steps.push_back({&kEnqueue, {text(m.queue), text(m.id), text(m.body_json), number(m.enqueued_at)}});
      return;
    case sdk::MessageState::dead:
    case sdk::MessageState::done:
      steps.push_back({&kEndDelivery,
                       {text(sdk::to_string(m.state)), text(m.error), number(m.failed_at), text(m.queue), text(m.id),
                        text(m.run_id)}});
      return;
    case sdk::MessageState::taken: break;
  }
  throw std::invalid_argument("message '" + m.id + "' of queue '" + m.queue +
                              "': only claim_messages stores a message taken");
}

// An unfenced batch inserts its runs unheld (weft_write_batch); an unfinished
// one is work for an instance with room. So is a message enqueued.
bool stores_unheld_work(const sdk::WriteBatch& batch) {
  const bool enqueues = std::any_of(batch.messages.begin(), batch.messages.end(),
                                    [](const auto& m) { return m.state == sdk::MessageState::ready; });
  return enqueues ||
         (batch.lease_owner.empty() && std::any_of(batch.runs.begin(), batch.runs.end(),
                                                   [](const auto& run) { return !sdk::is_final(run.status); }));
}

}  // namespace

PostgresStore::PostgresStore(const sdk::Host& host, const nlohmann::json& config)
    : pool_(PostgresConfig::parse(config)), work_channel_(work_channel(pool_.config().schema)) {
  const int from = migrate(*pool_.lease(), pool_.config());
  schema_version_ = latest_schema_version();
  if (from != schema_version_) {
    host.info(pool_.config().target() + " schema " + pool_.config().schema + ": migrated from version " +
              std::to_string(from) + " to " + std::to_string(schema_version_));
  }
  if (host.takes_work_available()) {
    listener_ = std::make_unique<WorkListener>(pool_.config(), [host] { host.work_available(); });
  }
}

int PostgresStore::schema_version() const { return schema_version_; }

void PostgresStore::write(const sdk::WriteBatch& batch) {
  if (batch.empty()) return;
  std::lock_guard lock(write_mutex_);
  // BEGIN and every upsert go in one pipeline, and COMMIT too unless the
  // batch has workflows or a fence: a workflow version stored with another
  // digest is seen in the answers (no row changed), a lost lease in the
  // fence's, so COMMIT waits for them then.
  const bool fenced = !batch.lease_owner.empty() && !batch.leases.empty();
  const bool may_conflict = !batch.workflows.empty() || fenced;
  std::vector<Step> steps{{&kBegin, {}}};
  steps.reserve(4 + batch.workflows.size() + batch.runs.size() + batch.tokens.size() + batch.schedule_states.size());
  if (fenced) add_fence(steps, batch);
  const size_t first_workflow = steps.size();
  for (const auto& workflow : batch.workflows) add_workflow(steps, workflow);
  for (const auto& run : batch.runs) add_run(steps, run, batch);
  add_tasks(steps, batch.tasks);
  for (const auto& token : batch.tokens) add_token(steps, token);
  add_attempts(steps, batch.attempts);
  for (const auto& state : batch.schedule_states) add_schedule_state(steps, state);
  add_audit(steps, batch);
  for (const auto& message : batch.messages) add_message(steps, message);
  if (batch.message_prune_limit > 0) {
    steps.push_back({&kPruneDoneMessages, {number(batch.message_prune_before), number(batch.message_prune_limit)}});
  }
  if (stores_unheld_work(batch)) steps.push_back({&kNotifyWork, {work_channel_}});
  if (!may_conflict) steps.push_back({&kCommit, {}});
  auto connection = pool_.lease();
  try {
    const auto results = connection->pipeline(steps);
    if (!may_conflict) return;
    if (fenced) check_fence(results[1]);
    for (size_t i = 0; i < batch.workflows.size(); ++i) {
      if (results[first_workflow + i].affected_rows() == 0) {
        const auto& workflow = batch.workflows[i];
        throw sdk::Conflict("workflow '" + workflow.name + "' version " + std::to_string(workflow.version) +
                            " is already stored with another document (digest differs from " + workflow.digest + ")");
      }
    }
    connection->execute("COMMIT");
  } catch (const UniqueViolation& violation) {
    connection->rollback();
    // Upserts name their key, so the one unique index left to break is runs_by_idempotency_key.
    throw sdk::Conflict(std::string("a run's idempotency key is held by another run: ") + violation.what());
  } catch (...) {
    connection->rollback();
    throw;
  }
}

std::optional<sdk::WorkflowRecord> PostgresStore::get_workflow(std::string_view name, int64_t version) {
  auto connection = pool_.lease();
  if (version == 0) return read_first(connection->execute(kSelectLatestWorkflow, {text(name)}), read_workflow);
  return read_first(connection->execute(kSelectWorkflowVersion, {text(name), number(version)}), read_workflow);
}

std::vector<sdk::WorkflowRecord> PostgresStore::list_workflows() {
  return read_all(pool_.lease()->execute(kSelectListedWorkflows), read_workflow);
}

std::optional<sdk::RunRecord> PostgresStore::get_run(std::string_view id) {
  return read_first(pool_.lease()->execute(kSelectRun, {text(id)}), read_run);
}

std::vector<sdk::RunRecord> PostgresStore::list_runs(const sdk::RunFilter& filter) {
  const RunQuery query = list_runs_query(filter);
  return read_all(pool_.lease()->execute(query.statement, query.params), read_run);
}

std::vector<sdk::TaskRecord> PostgresStore::list_tasks(std::string_view run_id) {
  return read_all(pool_.lease()->execute(kSelectTasksOfRun, {text(run_id)}), read_task);
}

std::vector<std::optional<sdk::TaskRecord>> PostgresStore::find_cached(const std::vector<sdk::CacheLookup>& lookups) {
  std::vector<std::optional<sdk::TaskRecord>> found(lookups.size());
  if (lookups.empty()) return found;
  Params workflows;
  Params keys;
  Params not_before;
  for (const auto& lookup : lookups) {
    workflows.push_back(text(lookup.workflow));
    keys.push_back(text(lookup.cache_key));
    not_before.push_back(number(lookup.not_before));
  }
  const Result rows =
      pool_.lease()->execute(kSelectCached, {array_literal(workflows), array_literal(keys), array_literal(not_before)});
  constexpr int kLookupColumn = 19;  // after the task's columns
  for (int row = 0; row < rows.rows(); ++row) {
    const int64_t lookup = rows.integer(row, kLookupColumn) - 1;  // WITH ORDINALITY counts from 1
    if (lookup < 0 || static_cast<size_t>(lookup) >= found.size()) {
      throw std::runtime_error("postgres answered a cache lookup that was not asked: " + std::to_string(lookup));
    }
    found[static_cast<size_t>(lookup)] = read_task(rows, row);
  }
  return found;
}

std::vector<sdk::TokenRecord> PostgresStore::list_tokens() {
  return read_all(pool_.lease()->execute(kSelectTokens), read_token);
}

std::vector<sdk::AttemptRecord> PostgresStore::list_attempts(std::string_view run_id) {
  return read_all(pool_.lease()->execute(kSelectAttemptsOfRun, {text(run_id)}), read_attempt);
}

std::vector<sdk::ScheduleStateRecord> PostgresStore::list_schedule_states() {
  return read_all(pool_.lease()->execute(kSelectScheduleStates), read_schedule_state);
}

std::vector<sdk::AuditRecord> PostgresStore::list_audit(std::string_view before_id, int32_t limit) {
  const auto most = limit > 0 ? number(int64_t{limit}) : std::nullopt;
  auto connection = pool_.lease();
  if (before_id.empty()) return read_all(connection->execute(kSelectNewestAudit, {most}), read_audit);
  return read_all(connection->execute(kSelectAuditBefore, {text(before_id), most}), read_audit);
}

std::vector<sdk::MessageRecord> PostgresStore::claim_messages(std::string_view queue, int32_t max_taken,
                                                              std::string_view lease_owner, int64_t lease_ms,
                                                              const Delivery& deliver) {
  std::lock_guard lock(write_mutex_);
  auto connection = pool_.lease();
  std::vector<sdk::MessageRecord> delivered;
  try {
    Transaction transaction(*connection);
    connection->execute(kLockQueue, {text(queue)});
    const int64_t room = max_taken - connection->execute(kCountTaken, {text(queue)}).integer(0, 0);
    if (room <= 0) return {};
    for (auto& message : read_all(connection->execute(kOldestReady, {text(queue), number(room)}), read_message)) {
      message.state = sdk::MessageState::taken;
      ++message.deliveries;
      auto batch = deliver(message);
      if (!batch) break;
      if (batch->runs.empty()) throw std::invalid_argument("a message's delivery batch has no run");
      batch->lease_owner = lease_owner;
      batch->lease_ms = lease_ms;
      message.run_id = batch->runs.front().id;
      std::vector<Step> steps;
      for (const auto& run : batch->runs) add_run(steps, run, *batch);
      add_tasks(steps, batch->tasks);
      steps.push_back(
          {&kTake, {number(int64_t{message.deliveries}), text(message.run_id), text(queue), text(message.id)}});
      connection->pipeline(steps);
      delivered.push_back(std::move(message));
    }
    transaction.commit();
  } catch (const UniqueViolation& violation) {
    throw sdk::Conflict(std::string("a run's idempotency key is held by another run: ") + violation.what());
  }
  return delivered;
}

std::vector<sdk::QueueCounts> PostgresStore::list_queues() {
  const Result rows = pool_.lease()->execute(kListQueues);
  std::vector<sdk::QueueCounts> queues;
  for (int row = 0; row < rows.rows(); ++row) {
    queues.push_back({rows.text(row, 0), rows.integer(row, 1), rows.integer(row, 2), rows.integer(row, 3)});
  }
  return queues;
}

std::vector<sdk::MessageRecord> PostgresStore::list_messages(std::string_view queue, sdk::MessageState state,
                                                             std::string_view after_id, int32_t limit) {
  const auto most = limit > 0 ? number(int64_t{limit}) : std::nullopt;
  const auto name = text(sdk::to_string(state));
  auto connection = pool_.lease();
  if (after_id.empty()) return read_all(connection->execute(kListMessages, {text(queue), name, most}), read_message);
  return read_all(connection->execute(kListMessagesAfter, {text(queue), name, text(after_id), most}), read_message);
}

std::vector<sdk::RunLease> PostgresStore::claim_runs(std::string_view instance, int64_t lease_ms, int32_t max,
                                                     sdk::ClaimScope scope) {
  return read_leases(pool_.lease()->execute(
      kClaimRuns, {text(instance), number(lease_ms), number(int64_t{max}), boolean(scope.own), boolean(scope.unheld)}));
}

std::vector<sdk::RunLease> PostgresStore::renew_leases(std::string_view instance, std::string_view address,
                                                       int64_t lease_ms) {
  return read_leases(pool_.lease()->execute(kRenewLeases, {text(instance), text(address), number(lease_ms)}));
}

int64_t PostgresStore::claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms) {
  auto connection = pool_.lease();
  const Result claimed = connection->execute(kClaimFinishedRun, {text(instance), text(run_id), number(lease_ms)});
  if (claimed.rows() == 1) return claimed.integer(0, 0);
  if (connection->execute(kRunExists, {text(run_id)}).rows() == 0) {
    throw sdk::NotFound("run " + std::string(run_id) + " not found");
  }
  throw sdk::Conflict("run " + std::string(run_id) + " is under way, or being retried already");
}

std::vector<sdk::InstanceRecord> PostgresStore::list_instances() {
  const Result rows = pool_.lease()->execute(kListInstances);
  std::vector<sdk::InstanceRecord> instances;
  for (int row = 0; row < rows.rows(); ++row) {
    instances.push_back({rows.text(row, 0), rows.text(row, 1), rows.integer(row, 2), rows.integer(row, 3)});
  }
  return instances;
}

}  // namespace weft::storage::postgres
