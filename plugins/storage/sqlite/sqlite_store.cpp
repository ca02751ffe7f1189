// The sqlite store: its tables, statements and record conversions. Over 400
// lines: one table per record kind, each written and read the same way,
// side by side (the connection and the schema are apart).
#include "sqlite_store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "sqlite_schema.hpp"

namespace weft::storage::sqlite {
namespace {

// Idle connections kept beyond this are closed: more readers at once than
// this are rare, and each idle connection holds its page cache.
constexpr size_t kMaxIdleReaders = 8;

const std::filesystem::path& with_parent_directory(const std::filesystem::path& file) {
  std::error_code error;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
  if (error) {
    throw std::runtime_error("sqlite " + file.string() + ": cannot create directory " + file.parent_path().string() +
                             ": " + error.message());
  }
  return file;
}

void use_write_ahead_log(Connection& connection) {
  auto query = connection.query("PRAGMA journal_mode = WAL");
  if (!query.step() || query.text(0) != "wal") {
    throw std::runtime_error("sqlite " + connection.file().string() +
                             ": cannot switch to WAL mode (is the file on a network filesystem?)");
  }
}

void set_synchronous(Connection& connection, Synchronous synchronous) {
  connection.execute(synchronous == Synchronous::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

// A table's columns in the order the record's fields and the read_* functions use; the first key_count form the key.
struct Table {
  std::string name;
  std::vector<std::string> columns;
  size_t key_count;

  std::string column_list() const {
    std::string list;
    for (const auto& column : columns) list += (list.empty() ? "" : ", ") + column;
    return list;
  }
  std::string select() const { return "SELECT " + column_list() + " FROM " + name; }
  // Updates in place on a key collision (cheaper than REPLACE's delete and insert: unchanged indices stay untouched).
  std::string upsert() const {
    std::string placeholders;
    std::string keys;
    std::string updates;
    for (size_t i = 0; i < columns.size(); ++i) {
      placeholders += i == 0 ? "?" : ", ?";
      if (i < key_count) {
        keys += (keys.empty() ? "" : ", ") + columns[i];
      } else {
        updates += (updates.empty() ? "" : ", ") + columns[i] + " = excluded." + columns[i];
      }
    }
    return "INSERT INTO " + name + " (" + column_list() + ") VALUES (" + placeholders + ") ON CONFLICT (" + keys +
           ") DO UPDATE SET " + updates;
  }
};

const Table kWorkflows{"workflows", {"name", "version", "document_json", "digest", "created_at", "deleted"}, 2};
const Table kRuns{"runs",
                  {"id", "workflow", "version", "status", "params_json", "document_json", "idempotency_key", "error",
                   "created_at", "started_at", "finished_at", "parent_run_id", "parent_node", "parent_index"},
                  1};
const Table kTasks{"tasks",
                   {"run_id", "node", "idx", "status", "attempt", "exit_code", "executor", "external_id", "error",
                    "output_json", "ready_at", "started_at", "finished_at", "budget_started_at", "attempts_before",
                    "cache_key", "cached_from_run_id", "cached_from_node", "cached_from_index"},
                   3};
const Table kAttempts{"attempts",
                      {"run_id", "node", "idx", "attempt", "status", "exit_code", "executor", "external_id", "error",
                       "stdout_path", "stderr_path", "started_at", "finished_at"},
                      4};
const Table kScheduleStates{"schedule_states", {"workflow", "paused", "updated_at"}, 1};
const Table kTokens{
    "tokens", {"id", "hash", "role", "description", "created_at", "revoked", "expires_at", "workflows"}, 1};
const Table kAudit{"audit", {"id", "at", "token_id", "role", "action", "target", "message", "status"}, 1};

// A version stored with another digest matches the WHERE and is left alone, which changes() reports as 0 rows.
const std::string kUpsertWorkflow = kWorkflows.upsert() + " WHERE digest IS excluded.digest";
const std::string kUpsertRun = kRuns.upsert();
const std::string kUpsertTask = kTasks.upsert();
const std::string kUpsertToken = kTokens.upsert();
const std::string kUpsertAttempt = kAttempts.upsert();
const std::string kUpsertScheduleState = kScheduleStates.upsert();
// A batch retried after a commit whose answer was lost inserts the same entries again: an upsert.
const std::string kUpsertAudit = kAudit.upsert();
const std::string kPruneAudit = "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? ORDER BY at LIMIT ?)";

const std::string kSelectWorkflowVersion = kWorkflows.select() + " WHERE name = ? AND version = ?";
const std::string kSelectLatestWorkflow = kWorkflows.select() + " WHERE name = ? ORDER BY version DESC LIMIT 1";
const std::string kSelectListedWorkflows =
    kWorkflows.select() +
    " AS w WHERE deleted = 0 AND version = (SELECT max(version) FROM workflows WHERE name = w.name) ORDER BY name";
const std::string kSelectRun = kRuns.select() + " WHERE id = ?";
const std::string kSelectTasksOfRun = kTasks.select() + " WHERE run_id = ? ORDER BY node, idx";
// The conditions of the index tasks_by_cache_key, so that it is used: the
// newest of its rows with the key, whose run is of the workflow.
const std::string kSelectCached =
    kTasks.select() +
    " WHERE cache_key = ? AND cached_from_run_id IS NULL AND status = 'succeeded' AND finished_at >= ?"
    " AND EXISTS (SELECT 1 FROM runs WHERE runs.id = tasks.run_id AND runs.workflow = ?)"
    " ORDER BY finished_at DESC LIMIT 1";
const std::string kSelectTokens = kTokens.select() + " ORDER BY id";
const std::string kSelectAttemptsOfRun = kAttempts.select() + " WHERE run_id = ? ORDER BY node, idx, attempt";
const std::string kSelectScheduleStates = kScheduleStates.select() + " ORDER BY workflow";
const std::string kSelectNewestAudit = kAudit.select() + " ORDER BY id DESC LIMIT ?";
const std::string kSelectAuditBefore = kAudit.select() + " WHERE id < ? ORDER BY id DESC LIMIT ?";

// Statuses are stored as their names (sdk::to_string), as the API shows
// them: converted here and nowhere else in the store.
std::string_view status_name(sdk::RunStatus status) { return sdk::to_string(status); }
std::string_view status_name(sdk::TaskStatus status) { return sdk::to_string(status); }

// The status in `column` of row; a name that is no status (a file written by
// something else, or edited by hand) is an error naming it and the record.
template <class Status>
Status read_status(const Query& row, int column, std::optional<Status> (*parse)(std::string_view),
                   const std::string& record) {
  const std::string name = row.text(column);
  if (const auto status = parse(name)) return *status;
  throw std::runtime_error("sqlite " + row.file().string() + ": " + record + " has the unknown status '" + name + "'");
}

sdk::RunStatus read_run_status(const Query& row, int column) {
  return read_status<sdk::RunStatus>(row, column, sdk::parse_run_status, "run '" + row.text(0) + "'");
}

sdk::TaskStatus read_task_status(const Query& row, int column) {
  return read_status<sdk::TaskStatus>(
      row, column, sdk::parse_task_status,
      "task '" + row.text(1) + "' [" + std::to_string(row.integer(2)) + "] of run '" + row.text(0) + "'");
}

// "status IN ('created', 'queued', 'running')": every run status that is not final.
std::string unfinished_run_condition() {
  std::string names;
  for (int32_t value = 1; const auto status = sdk::run_status_from_abi(value); ++value) {
    if (!sdk::is_final(*status)) names += (names.empty() ? "'" : ", '") + std::string(status_name(*status)) + "'";
  }
  return "status IN (" + names + ")";
}

const std::string kUnfinishedRun = unfinished_run_condition();

sdk::WorkflowRecord read_workflow(const Query& row) {
  return {row.text(0), row.integer(1), row.text(2), row.text(3), row.integer(4), row.integer(5) != 0};
}

sdk::RunRecord read_run(const Query& row) {
  return {row.text(0),     row.text(1),  row.integer(2), read_run_status(row, 3), row.text(4),
          row.text(5),     row.text(6),  row.text(7),    row.integer(8),          row.integer(9),
          row.integer(10), row.text(11), row.text(12),   row.integer(13)};
}

sdk::TaskRecord read_task(const Query& row) {
  return {row.text(0),
          row.text(1),
          row.integer(2),
          read_task_status(row, 3),
          static_cast<int32_t>(row.integer(4)),
          row.optional_integer(5),
          row.text(6),
          row.text(7),
          row.text(8),
          row.text(9),
          row.integer(10),
          row.integer(11),
          row.integer(12),
          row.integer(13),
          static_cast<int32_t>(row.integer(14)),
          row.text(15),
          {row.text(16), row.text(17), row.integer(18)}};
}

sdk::AttemptRecord read_attempt(const Query& row) {
  return {row.text(0),
          row.text(1),
          row.integer(2),
          static_cast<int32_t>(row.integer(3)),
          read_status<sdk::TaskStatus>(row, 4, sdk::parse_task_status,
                                       "attempt " + std::to_string(row.integer(3)) + " of task '" + row.text(1) +
                                           "' [" + std::to_string(row.integer(2)) + "] of run '" + row.text(0) + "'"),
          row.optional_integer(5),
          row.text(6),
          row.text(7),
          row.text(8),
          row.text(9),
          row.text(10),
          row.integer(11),
          row.integer(12)};
}

sdk::ScheduleStateRecord read_schedule_state(const Query& row) {
  return {row.text(0), row.integer(1) != 0, row.integer(2)};
}

sdk::TokenRecord read_token(const Query& row) {
  return {row.text(0),    row.text(1),         row.text(2),    row.text(3),
          row.integer(4), row.integer(5) != 0, row.integer(6), row.text(7)};
}

sdk::AuditRecord read_audit(const Query& row) {
  return {row.text(0), row.integer(1), row.text(2), row.text(3),
          row.text(4), row.text(5),    row.text(6), static_cast<int32_t>(row.integer(7))};
}

template <class Read>
auto read_all(Query& query, Read read) {
  std::vector<decltype(read(query))> records;
  while (query.step()) records.push_back(read(query));
  return records;
}

template <class Read>
auto read_one(Query& query, Read read) -> std::optional<decltype(read(query))> {
  if (!query.step()) return std::nullopt;
  return read(query);
}

// The statement text depends only on which filters are set, so there are few
// distinct texts and each is prepared once per connection. Parameters are
// bound in the order the conditions appear: see bind_run_filter.
std::string list_runs_sql(const sdk::RunFilter& filter) {
  std::string sql = kRuns.select() + " WHERE 1";
  if (!filter.workflow.empty()) sql += " AND workflow = ?";
  if (filter.status) sql += " AND status = ?";
  if (!filter.idempotency_key.empty()) sql += " AND idempotency_key = ?";
  if (!filter.parent_run_id.empty()) sql += " AND parent_run_id = ?";
  if (filter.unfinished_only) sql += " AND " + kUnfinishedRun;
  if (!filter.before_id.empty()) sql += " AND (created_at, id) < (SELECT created_at, id FROM runs WHERE id = ?)";
  return sql + " ORDER BY created_at DESC, id DESC LIMIT ?";
}

void bind_run_filter(Query& query, const sdk::RunFilter& filter) {
  if (!filter.workflow.empty()) query.bind(filter.workflow);
  if (filter.status) query.bind(status_name(*filter.status));
  if (!filter.idempotency_key.empty()) query.bind(filter.idempotency_key);
  if (!filter.parent_run_id.empty()) query.bind(filter.parent_run_id);
  if (!filter.before_id.empty()) query.bind(filter.before_id);
  query.bind(int64_t{filter.limit > 0 ? filter.limit : -1});  // -1: no limit
}

}  // namespace

ReaderPool::ReaderPool(std::filesystem::path file, int busy_timeout_ms)
    : file_(std::move(file)), busy_timeout_ms_(busy_timeout_ms) {}

ReaderPool::Lease ReaderPool::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  return Lease(*this, std::make_unique<Connection>(file_, Connection::Mode::read_only, busy_timeout_ms_));
}

void ReaderPool::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(connection));
}

SqliteStore::SqliteStore(const sdk::Host& host, const nlohmann::json& config)
    : config_(SqliteConfig::parse(config)),
      writer_(with_parent_directory(config_.path), Connection::Mode::read_write, config_.busy_timeout_ms),
      readers_(config_.path, config_.busy_timeout_ms) {
  refuse_newer_schema(writer_);  // before anything changes the file
  use_write_ahead_log(writer_);
  set_synchronous(writer_, config_.synchronous);
  const int from = migrate(writer_);
  schema_version_ = latest_schema_version();
  if (from != schema_version_) {
    host.info("sqlite " + config_.path.string() + ": migrated the schema from version " + std::to_string(from) +
              " to " + std::to_string(schema_version_));
  }
}

int SqliteStore::schema_version() const { return schema_version_; }

void SqliteStore::write(const sdk::WriteBatch& batch) {
  if (batch.empty()) return;
  std::lock_guard lock(write_mutex_);
  Transaction transaction(writer_);
  for (const auto& workflow : batch.workflows) put_workflow(workflow);
  for (const auto& run : batch.runs) put_run(run);
  for (const auto& task : batch.tasks) put_task(task);
  for (const auto& token : batch.tokens) put_token(token);
  for (const auto& attempt : batch.attempts) put_attempt(attempt);
  for (const auto& state : batch.schedule_states) put_schedule_state(state);
  for (const auto& entry : batch.audits) put_audit(entry);
  for (const auto& message : batch.messages) put_message(message);
  if (batch.audit_prune_limit > 0) {
    writer_.query(kPruneAudit).bind(batch.audit_prune_before).bind(batch.audit_prune_limit).run();
  }
  if (batch.message_prune_limit > 0) prune_done_messages(batch.message_prune_before, batch.message_prune_limit);
  transaction.commit();
}

void SqliteStore::put_workflow(const sdk::WorkflowRecord& workflow) {
  writer_.query(kUpsertWorkflow)
      .bind(workflow.name)
      .bind(workflow.version)
      .bind(workflow.document_json)
      .bind(workflow.digest)
      .bind(workflow.created_at)
      .bind(int64_t{workflow.deleted})
      .run();
  if (writer_.changes() == 0) {
    throw sdk::Conflict("workflow '" + workflow.name + "' version " + std::to_string(workflow.version) +
                        " is already stored with another document (digest differs from " + workflow.digest + ")");
  }
}

void SqliteStore::put_run(const sdk::RunRecord& run) {
  // The id is the upsert's key, so the one unique index left to break is runs_by_idempotency_key.
  try {
    upsert_run(run);
  } catch (const UniqueViolation&) {
    throw sdk::Conflict("run '" + run.id + "': another run holds the idempotency key '" + run.idempotency_key + "'");
  }
}

void SqliteStore::upsert_run(const sdk::RunRecord& run) {
  writer_.query(kUpsertRun)
      .bind(run.id)
      .bind(run.workflow)
      .bind(run.version)
      .bind(status_name(run.status))
      .bind(run.params_json)
      .bind(run.document_json)
      .bind(run.idempotency_key)
      .bind(run.error)
      .bind(run.created_at)
      .bind(run.started_at)
      .bind(run.finished_at)
      .bind(run.parent_run_id)
      .bind(run.parent_node)
      .bind(run.parent_index)
      .run();
}

void SqliteStore::put_task(const sdk::TaskRecord& task) {
  writer_.query(kUpsertTask)
      .bind(task.run_id)
      .bind(task.node)
      .bind(task.index)
      .bind(status_name(task.status))
      .bind(int64_t{task.attempt})
      .bind(task.exit_code)
      .bind(task.executor)
      .bind(task.external_id)
      .bind(task.error)
      .bind(task.output_json)
      .bind(task.ready_at)
      .bind(task.started_at)
      .bind(task.finished_at)
      .bind(task.budget_started_at)
      .bind(int64_t{task.attempts_before})
      .bind(task.cache_key)
      .bind(task.cached_from.run_id)
      .bind(task.cached_from.node)
      .bind(task.cached_from.index)
      .run();
}

void SqliteStore::put_attempt(const sdk::AttemptRecord& attempt) {
  writer_.query(kUpsertAttempt)
      .bind(attempt.run_id)
      .bind(attempt.node)
      .bind(attempt.index)
      .bind(int64_t{attempt.attempt})
      .bind(status_name(attempt.status))
      .bind(attempt.exit_code)
      .bind(attempt.executor)
      .bind(attempt.external_id)
      .bind(attempt.error)
      .bind(attempt.stdout_path)
      .bind(attempt.stderr_path)
      .bind(attempt.started_at)
      .bind(attempt.finished_at)
      .run();
}

void SqliteStore::put_schedule_state(const sdk::ScheduleStateRecord& state) {
  writer_.query(kUpsertScheduleState).bind(state.workflow).bind(int64_t{state.paused}).bind(state.updated_at).run();
}

void SqliteStore::put_token(const sdk::TokenRecord& token) {
  writer_.query(kUpsertToken)
      .bind(token.id)
      .bind(token.hash)
      .bind(token.role)
      .bind(token.description)
      .bind(token.created_at)
      .bind(int64_t{token.revoked})
      .bind(token.expires_at)
      .bind(token.workflows)
      .run();
}

void SqliteStore::put_audit(const sdk::AuditRecord& entry) {
  writer_.query(kUpsertAudit)
      .bind(entry.id)
      .bind(entry.at)
      .bind(entry.token_id)
      .bind(entry.role)
      .bind(entry.action)
      .bind(entry.target)
      .bind(entry.message)
      .bind(int64_t{entry.status})
      .run();
}

std::optional<sdk::WorkflowRecord> SqliteStore::get_workflow(std::string_view name, int64_t version) {
  auto reader = readers_.lease();
  if (version == 0) {
    auto query = reader->query(kSelectLatestWorkflow);
    query.bind(name);
    return read_one(query, read_workflow);
  }
  auto query = reader->query(kSelectWorkflowVersion);
  query.bind(name).bind(version);
  return read_one(query, read_workflow);
}

std::vector<sdk::WorkflowRecord> SqliteStore::list_workflows() {
  auto reader = readers_.lease();
  auto query = reader->query(kSelectListedWorkflows);
  return read_all(query, read_workflow);
}

std::optional<sdk::RunRecord> SqliteStore::get_run(std::string_view id) {
  auto reader = readers_.lease();
  auto query = reader->query(kSelectRun);
  query.bind(id);
  return read_one(query, read_run);
}

std::vector<sdk::RunRecord> SqliteStore::list_runs(const sdk::RunFilter& filter) {
  auto reader = readers_.lease();
  auto query = reader->query(list_runs_sql(filter));
  bind_run_filter(query, filter);
  return read_all(query, read_run);
}

std::vector<sdk::TaskRecord> SqliteStore::list_tasks(std::string_view run_id) {
  auto reader = readers_.lease();
  auto query = reader->query(kSelectTasksOfRun);
  query.bind(run_id);
  return read_all(query, read_task);
}

std::vector<std::optional<sdk::TaskRecord>> SqliteStore::find_cached(const std::vector<sdk::CacheLookup>& lookups) {
  auto reader = readers_.lease();
  std::vector<std::optional<sdk::TaskRecord>> found;
  found.reserve(lookups.size());
  for (const auto& lookup : lookups) {
    auto query = reader->query(kSelectCached);
    query.bind(lookup.cache_key).bind(lookup.not_before).bind(lookup.workflow);
    auto tasks = read_all(query, read_task);
    found.push_back(tasks.empty() ? std::nullopt : std::make_optional(std::move(tasks.front())));
  }
  return found;
}

std::vector<sdk::TokenRecord> SqliteStore::list_tokens() {
  auto reader = readers_.lease();
  auto query = reader->query(kSelectTokens);
  return read_all(query, read_token);
}

std::vector<sdk::AttemptRecord> SqliteStore::list_attempts(std::string_view run_id) {
  auto reader = readers_.lease();
  auto query = reader->query(kSelectAttemptsOfRun);
  query.bind(run_id);
  return read_all(query, read_attempt);
}

std::vector<sdk::ScheduleStateRecord> SqliteStore::list_schedule_states() {
  auto reader = readers_.lease();
  auto query = reader->query(kSelectScheduleStates);
  return read_all(query, read_schedule_state);
}

std::vector<sdk::AuditRecord> SqliteStore::list_audit(std::string_view before_id, int32_t limit) {
  auto reader = readers_.lease();
  auto query = reader->query(before_id.empty() ? kSelectNewestAudit : kSelectAuditBefore);
  if (!before_id.empty()) query.bind(before_id);
  query.bind(int64_t{limit > 0 ? limit : -1});  // -1: no limit
  return read_all(query, read_audit);
}

}  // namespace weft::storage::sqlite
