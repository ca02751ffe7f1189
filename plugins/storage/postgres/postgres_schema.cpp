#include "postgres_schema.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace weft::storage::postgres {
namespace {

// Taken for the migration's transaction: one lock for every weft schema in
// the database ("weft" in ASCII), as migrations are rare and quick.
constexpr const char* kTakeMigrationLock = "SELECT pg_advisory_xact_lock(2003133044)";

// Migration i brings the schema from version i to i + 1. Append only: a
// released migration never changes, since databases out there have run it.
//
// Empty text is stored as NULL, as the sqlite store does, so optional
// columns are nullable and key columns NOT NULL, which also refuses records
// with empty keys. Keys sort bytewise (COLLATE "C") whatever the database's
// locale, so that every store lists in the same order.
//
// Several weftd instances share one database through leases: a run is held
// by runs.owner until runs.lease_deadline (the server's clock), which its
// owner renews; every claim raises runs.lease_generation, and every write of
// an instance is fenced by the generation it holds (postgres_store.cpp).
// One instance alone holds every run it writes in the same way.
constexpr std::array<const char*, 7> kMigrations = {
    R"sql(
CREATE TABLE workflows (
  name TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  document_json TEXT,
  digest TEXT,
  created_at BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE runs (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  workflow TEXT COLLATE "C",
  version BIGINT NOT NULL,
  status TEXT,
  params_json TEXT,
  document_json TEXT,
  idempotency_key TEXT COLLATE "C",
  error TEXT,
  created_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  owner TEXT,
  lease_generation BIGINT NOT NULL DEFAULT 0,
  lease_deadline TIMESTAMPTZ
);
-- list_runs: newest first, optionally by workflow, status or idempotency key.
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_workflow ON runs (workflow, created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at, id);
-- A run's idempotency key is unique: a cron firing or a client's retry starts one run, whatever the number of instances.
CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_unowned ON runs (created_at) WHERE owner IS NULL AND status IN ('queued', 'running');

-- The primary key serves both the upsert and list_tasks (by run, then node, then index).
CREATE TABLE tasks (
  run_id TEXT COLLATE "C" NOT NULL,
  node TEXT COLLATE "C" NOT NULL,
  idx BIGINT NOT NULL,
  status TEXT,
  attempt INTEGER NOT NULL,
  exit_code INTEGER,
  executor TEXT,
  external_id TEXT,
  error TEXT,
  output_json TEXT,
  ready_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, node, idx)
);

CREATE TABLE tokens (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  hash TEXT,
  role TEXT,
  description TEXT,
  created_at BIGINT NOT NULL,
  revoked BOOLEAN NOT NULL
);
)sql",
    // ABI 2.1: a task's retry budget survives restarts; every attempt is a
    // record of its own; a schedule is paused apart from its document; a
    // paused run is unfinished, so another instance may take it over.
    R"sql(
ALTER TABLE tasks ADD COLUMN budget_started_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN attempts_before INTEGER NOT NULL DEFAULT 0;

-- The primary key serves both the upsert and list_attempts.
CREATE TABLE attempts (
  run_id TEXT COLLATE "C" NOT NULL,
  node TEXT COLLATE "C" NOT NULL,
  idx BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT,
  exit_code INTEGER,
  executor TEXT,
  external_id TEXT,
  error TEXT,
  stdout_path TEXT,
  stderr_path TEXT,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, node, idx, attempt)
);

CREATE TABLE schedule_states (
  workflow TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  paused BOOLEAN NOT NULL,
  updated_at BIGINT NOT NULL
);

DROP INDEX runs_unowned;
CREATE INDEX runs_unowned ON runs (created_at) WHERE owner IS NULL AND status IN ('queued', 'running', 'paused');
)sql",
    // Instances sharing the database, and the runs each one holds. The two
    // indices cover the store's unfinished-run condition, paused included: a
    // paused run stays held, and passes to another instance with its lease.
    R"sql(
CREATE TABLE instances (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  address TEXT,
  heartbeat_at TIMESTAMPTZ NOT NULL
);
DROP INDEX runs_unowned;
CREATE INDEX runs_by_owner ON runs (owner) WHERE status IN ('created', 'queued', 'running', 'paused');
CREATE INDEX runs_claimable ON runs (created_at) WHERE status IN ('created', 'queued', 'running', 'paused');
)sql",
    // ABI 2.1: tokens expire and may be scoped to workflows; the audit log.
    R"sql(
ALTER TABLE tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN workflows TEXT;

-- The primary key serves list_audit (ids sort as recorded, byte-wise), audit_by_at the pruning.
CREATE TABLE audit (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  at BIGINT NOT NULL,
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
  queue TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  body_json TEXT,
  enqueued_at BIGINT NOT NULL,
  state TEXT NOT NULL,
  deliveries INTEGER NOT NULL,
  run_id TEXT,
  error TEXT,
  failed_at BIGINT NOT NULL,
  PRIMARY KEY (queue, id)
);
-- Claims take the oldest ready ones, lists page through one state in that order.
CREATE INDEX messages_by_state ON messages (queue, state, enqueued_at, id);
)sql",
    // ABI 2.1: a run started by a task of another run (a subworkflow) names
    // that task; list_runs finds a run's children by it.
    R"sql(
ALTER TABLE runs ADD COLUMN parent_run_id TEXT COLLATE "C";
ALTER TABLE runs ADD COLUMN parent_node TEXT;
ALTER TABLE runs ADD COLUMN parent_index BIGINT NOT NULL DEFAULT -1;
CREATE INDEX runs_by_parent ON runs (parent_run_id, created_at, id) WHERE parent_run_id IS NOT NULL;
)sql",
    // ABI 2.1: a node's cache (find_cached looks for the newest succeeded
    // task that ran with a key: only those are indexed), and the retention
    // of DONE messages.
    R"sql(
ALTER TABLE tasks ADD COLUMN cache_key TEXT COLLATE "C";
ALTER TABLE tasks ADD COLUMN cached_from_run_id TEXT COLLATE "C";
ALTER TABLE tasks ADD COLUMN cached_from_node TEXT;
ALTER TABLE tasks ADD COLUMN cached_from_index BIGINT NOT NULL DEFAULT -1;
CREATE INDEX tasks_by_cache_key ON tasks (cache_key, finished_at)
  WHERE cache_key IS NOT NULL AND cached_from_run_id IS NULL AND status = 'succeeded';
-- And the retention of DONE messages: the oldest are pruned a few at a time.
CREATE INDEX messages_done ON messages (enqueued_at) WHERE state = 'done';
)sql",
};

const Statement kSchemaExists{"schema_exists", "SELECT count(*) FROM pg_namespace WHERE nspname = $1"};
const Statement kStoredVersion{"stored_schema_version", "SELECT coalesce(max(version), 0) FROM weft_schema"};

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

int migrate(Connection& connection, const PostgresConfig& config) {
  Transaction transaction(connection);
  connection.execute(kTakeMigrationLock);
  // Asked first, as CREATE SCHEMA IF NOT EXISTS needs a right that a user of an existing schema may lack.
  if (connection.execute(kSchemaExists, {config.schema}).integer(0, 0) == 0) {
    connection.execute("CREATE SCHEMA " + connection.quote_identifier(config.schema));
  }
  connection.execute("CREATE TABLE IF NOT EXISTS weft_schema (version INTEGER NOT NULL)");
  const int from = static_cast<int>(connection.execute(kStoredVersion).integer(0, 0));
  if (from > latest_schema_version()) {
    throw std::runtime_error(config.target() + " schema " + config.schema + ": the database has schema version " +
                             std::to_string(from) + ", newer than version " + std::to_string(latest_schema_version()) +
                             " that this postgres plugin knows; use the weft release that wrote it, or a newer one");
  }
  for (int version = from; version < latest_schema_version(); ++version) connection.execute(kMigrations[version]);
  if (from != latest_schema_version()) {
    connection.execute("DELETE FROM weft_schema; INSERT INTO weft_schema VALUES (" +
                       std::to_string(latest_schema_version()) + ")");
  }
  transaction.commit();
  return from;
}

}  // namespace weft::storage::postgres
