#include "sqlite_schema.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace weft::storage::sqlite {
namespace {

// Migration i brings the schema from version i to i + 1. Append only: a
// released migration never changes, since databases out there have run it.
//
// Empty text is stored as NULL (see Query::bind), so optional columns are
// nullable and key columns NOT NULL, which also refuses records with empty keys.
constexpr std::array<const char*, 7> kMigrations = {
    R"sql(
CREATE TABLE workflows (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  document_json TEXT,
  digest TEXT,
  created_at INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE runs (
  id TEXT NOT NULL PRIMARY KEY,
  workflow TEXT,
  version INTEGER NOT NULL,
  status TEXT,
  params_json TEXT,
  document_json TEXT,
  idempotency_key TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL
);
-- list_runs: newest first, optionally by workflow, status, idempotency key or
-- unfinished (status IN three values, which runs_by_status serves).
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_workflow ON runs (workflow, created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);
CREATE INDEX runs_by_idempotency_key ON runs (idempotency_key, created_at, id) WHERE idempotency_key IS NOT NULL;

-- The primary key serves both the upsert and list_tasks (by run, then node, then index).
CREATE TABLE tasks (
  run_id TEXT NOT NULL,
  node TEXT NOT NULL,
  idx INTEGER NOT NULL,
  status TEXT,
  attempt INTEGER NOT NULL,
  exit_code INTEGER,
  executor TEXT,
  external_id TEXT,
  error TEXT,
  output_json TEXT,
  ready_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, node, idx)
);

CREATE TABLE tokens (
  id TEXT NOT NULL PRIMARY KEY,
  hash TEXT,
  role TEXT,
  description TEXT,
  created_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL
);
)sql",
    // A run's idempotency key is unique (a schedule's firing time lives in
    // one, and no firing may start two runs, whichever weftd fires it). Keys
    // were unique in practice before, but not enforced: should two runs
    // share one, the oldest keeps it, so that the index can be built.
    R"sql(
UPDATE runs SET idempotency_key = NULL
WHERE idempotency_key IS NOT NULL
  AND rowid NOT IN (SELECT min(rowid) FROM runs WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key);
DROP INDEX runs_by_idempotency_key;
CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
)sql",
    // ABI 2.1: a task's retry budget survives restarts; every attempt is a
    // record of its own; a schedule is paused apart from its document.
    R"sql(
ALTER TABLE tasks ADD COLUMN budget_started_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN attempts_before INTEGER NOT NULL DEFAULT 0;

-- The primary key serves both the upsert and list_attempts.
CREATE TABLE attempts (
  run_id TEXT NOT NULL,
  node TEXT NOT NULL,
  idx INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT,
  exit_code INTEGER,
  executor TEXT,
  external_id TEXT,
  error TEXT,
  stdout_path TEXT,
  stderr_path TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, node, idx, attempt)
);

CREATE TABLE schedule_states (
  workflow TEXT NOT NULL PRIMARY KEY,
  paused INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql",
    // ABI 2.1: tokens expire and may be scoped to workflows; the audit log.
    R"sql(
ALTER TABLE tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN workflows TEXT;

-- The primary key serves list_audit (ids sort as recorded), audit_by_at the pruning.
CREATE TABLE audit (
  id TEXT NOT NULL PRIMARY KEY,
  at INTEGER NOT NULL,
  token_id TEXT,
  role TEXT,
  action TEXT,
  target TEXT,
  message TEXT,
  status INTEGER NOT NULL
);
CREATE INDEX audit_by_at ON audit (at);
)sql",
    // ABI 2.1: durable named queues. A message acknowledged stays (state
    // 'done'), so that an enqueue repeated with its id adds nothing.
    R"sql(
CREATE TABLE messages (
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  body_json TEXT,
  enqueued_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  deliveries INTEGER NOT NULL,
  run_id TEXT,
  error TEXT,
  failed_at INTEGER NOT NULL,
  PRIMARY KEY (queue, id)
);
-- Claims take the oldest ready ones, lists page through one state in that order.
CREATE INDEX messages_by_state ON messages (queue, state, enqueued_at, id);
)sql",
    // ABI 2.1: a run started by a task of another run (a subworkflow) names
    // that task; list_runs finds a run's children by it.
    R"sql(
ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
ALTER TABLE runs ADD COLUMN parent_node TEXT;
ALTER TABLE runs ADD COLUMN parent_index INTEGER NOT NULL DEFAULT -1;
CREATE INDEX runs_by_parent ON runs (parent_run_id, created_at, id) WHERE parent_run_id IS NOT NULL;
)sql",
    // ABI 2.1: a node's cache (find_cached looks for the newest succeeded
    // task that ran with a key: only those are indexed), and the retention
    // of DONE messages.
    R"sql(
ALTER TABLE tasks ADD COLUMN cache_key TEXT;
ALTER TABLE tasks ADD COLUMN cached_from_run_id TEXT;
ALTER TABLE tasks ADD COLUMN cached_from_node TEXT;
ALTER TABLE tasks ADD COLUMN cached_from_index INTEGER NOT NULL DEFAULT -1;
CREATE INDEX tasks_by_cache_key ON tasks (cache_key, finished_at)
  WHERE cache_key IS NOT NULL AND cached_from_run_id IS NULL AND status = 'succeeded';
-- And the retention of DONE messages: the oldest are pruned a few at a time.
CREATE INDEX messages_done ON messages (enqueued_at) WHERE state = 'done';
)sql",
};

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

int stored_schema_version(Connection& connection) {
  auto query = connection.query("PRAGMA user_version");
  query.step();
  return static_cast<int>(query.integer(0));
}

void refuse_newer_schema(Connection& connection) {
  const int stored = stored_schema_version(connection);
  if (stored <= latest_schema_version()) return;
  throw std::runtime_error("sqlite " + connection.file().string() + ": the database has schema version " +
                           std::to_string(stored) + ", newer than version " + std::to_string(latest_schema_version()) +
                           " that this sqlite plugin knows; use the weft release that wrote it, or a newer one");
}

int migrate(Connection& connection) {
  Transaction transaction(connection);
  refuse_newer_schema(connection);  // again, inside the lock: another process may have migrated meanwhile
  const int from = stored_schema_version(connection);
  for (int version = from; version < latest_schema_version(); ++version) connection.execute(kMigrations[version]);
  connection.execute("PRAGMA user_version = " + std::to_string(latest_schema_version()));
  transaction.commit();
  return from;
}

}  // namespace weft::storage::sqlite
