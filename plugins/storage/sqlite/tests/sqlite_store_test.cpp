// What is particular to the sqlite store: its config, its file, its schema.
// The behaviour every store shares is in sqlite_conformance_test.cpp.
#include "sqlite_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <utility>
#include <weft/sdk/testing/loaded_plugin.hpp>

#include "sqlite_schema.hpp"

namespace weft::storage::sqlite {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

using sdk::testing::quiet_host;

// Asks the file itself, through a connection of the test's own.
std::string pragma(const std::filesystem::path& file, const std::string& name) {
  Connection connection(file, Connection::Mode::read_write, 1000);
  auto query = connection.query("PRAGMA " + name);
  return query.step() ? query.text(0) : "";
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string scratch_template = (std::filesystem::temp_directory_path() / "weft-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(scratch_template.data()), nullptr);
    scratch_ = scratch_template;
    file_ = scratch_ / "weft.db";
  }
  void TearDown() override { std::filesystem::remove_all(scratch_); }

  SqliteStore open(const nlohmann::json& config) { return SqliteStore(sdk::Host(quiet_host()), config); }
  SqliteStore open() { return open({{"path", file_.string()}}); }

  // The message open() fails with.
  std::string refusal(const nlohmann::json& config) {
    try {
      open(config);
    } catch (const std::exception& e) {
      return e.what();
    }
    ADD_FAILURE() << "opened with " << config.dump();
    return {};
  }

  std::filesystem::path scratch_;
  std::filesystem::path file_;
};

TEST_F(SqliteStoreTest, AMissingPathIsRefused) {
  EXPECT_THAT(refusal(nlohmann::json::object()), HasSubstr("'path' is required"));
}

TEST_F(SqliteStoreTest, AnUnknownKeyIsRefusedByName) {
  EXPECT_THAT(refusal({{"path", file_.string()}, {"cache_mb", 64}}), HasSubstr("unknown key 'cache_mb'"));
  EXPECT_FALSE(std::filesystem::exists(file_));
}

TEST_F(SqliteStoreTest, APathThatIsNotAStringIsRefused) {
  EXPECT_THAT(refusal({{"path", 7}}), HasSubstr("'path' must be a non-empty string"));
}

TEST_F(SqliteStoreTest, AnUnknownSynchronousModeIsRefused) {
  EXPECT_THAT(refusal({{"path", file_.string()}, {"synchronous", "off"}}),
              AllOf(HasSubstr("'synchronous'"), HasSubstr("\"off\"")));
}

TEST_F(SqliteStoreTest, ABusyTimeoutThatIsNotAnIntegerIsRefused) {
  EXPECT_THAT(refusal({{"path", file_.string()}, {"busy_timeout_ms", "5s"}}), HasSubstr("'busy_timeout_ms'"));
  EXPECT_THAT(refusal({{"path", file_.string()}, {"busy_timeout_ms", -1}}), HasSubstr("'busy_timeout_ms'"));
}

TEST_F(SqliteStoreTest, EveryKeyIsAccepted) {
  auto store = open({{"path", file_.string()}, {"synchronous", "normal"}, {"busy_timeout_ms", 100}});
  store.write({{}, {{"run-1", "etl", 1, sdk::RunStatus::queued, "", "", "", "", 100, 0, 0}}, {}, {}});
  EXPECT_TRUE(store.get_run("run-1"));
}

TEST_F(SqliteStoreTest, TheParentDirectoryIsCreated) {
  const auto nested = scratch_ / "var" / "lib" / "weft" / "weft.db";
  open({{"path", nested.string()}});
  EXPECT_TRUE(std::filesystem::is_regular_file(nested));
}

TEST_F(SqliteStoreTest, AFileThatCannotBeOpenedIsNamed) {
  std::filesystem::create_directory(file_);
  EXPECT_THAT(refusal({{"path", file_.string()}}), HasSubstr(file_.string()));
}

TEST_F(SqliteStoreTest, TheDatabaseIsInWalMode) {
  open();
  EXPECT_EQ(pragma(file_, "journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, AnEmptyFileIsMigratedToTheLatestSchema) {
  std::ofstream(file_).close();
  ASSERT_EQ(std::filesystem::file_size(file_), 0u);
  EXPECT_EQ(open().schema_version(), latest_schema_version());
  EXPECT_EQ(pragma(file_, "user_version"), std::to_string(latest_schema_version()));
}

TEST_F(SqliteStoreTest, ANewerSchemaIsRefusedNamingBothVersions) {
  pragma(file_, "user_version = 99");
  EXPECT_THAT(refusal({{"path", file_.string()}}),
              AllOf(HasSubstr(file_.string()), HasSubstr("schema version 99"),
                    HasSubstr("version " + std::to_string(latest_schema_version()))));
  EXPECT_EQ(pragma(file_, "user_version"), "99");
}

// Take a database of the latest schema back to version 6, 5, 4, 3 or 2, as an older weft left it.
constexpr const char* kUndoVersion7 =
    "DROP INDEX tasks_by_cache_key; ALTER TABLE tasks DROP COLUMN cache_key;"
    "ALTER TABLE tasks DROP COLUMN cached_from_run_id; ALTER TABLE tasks DROP COLUMN cached_from_node;"
    "ALTER TABLE tasks DROP COLUMN cached_from_index; DROP INDEX messages_done;";
constexpr const char* kUndoVersion6 =
    "DROP INDEX runs_by_parent; ALTER TABLE runs DROP COLUMN parent_run_id;"
    "ALTER TABLE runs DROP COLUMN parent_node; ALTER TABLE runs DROP COLUMN parent_index;";
constexpr const char* kUndoVersion5 = "DROP TABLE messages;";
constexpr const char* kUndoVersion4 =
    "DROP TABLE audit; ALTER TABLE tokens DROP COLUMN expires_at; ALTER TABLE tokens DROP COLUMN "
    "workflows;";
constexpr const char* kUndoVersion3 =
    "DROP TABLE attempts; DROP TABLE schedule_states;"
    "ALTER TABLE tasks DROP COLUMN budget_started_at; ALTER TABLE tasks DROP COLUMN attempts_before;";

// Schema version 5 (ABI 2.1) keeps queues: a database of version 4 has none, and takes messages once migrated.
TEST_F(SqliteStoreTest, MigratingTo5StartsWithNoQueues) {
  open();
  {
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute(std::string(kUndoVersion7) + kUndoVersion6 + kUndoVersion5 + "PRAGMA user_version = 4;");
  }
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  EXPECT_TRUE(store.list_queues().empty());
  sdk::WriteBatch batch;
  batch.messages = {{"jobs", "m-1", "{}", 10}};
  store.write(batch);
  EXPECT_EQ(store.list_queues(), (std::vector<sdk::QueueCounts>{{"jobs", 1, 0, 0}}));
}

// Schema version 1 did not enforce unique idempotency keys; version 2 does,
// and a database holding two runs with one key still opens.
TEST_F(SqliteStoreTest, MigratingToUniqueIdempotencyKeysKeepsTheOldestRunsKey) {
  open();
  {
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute(
        std::string(kUndoVersion7) + kUndoVersion6 + kUndoVersion5 +
        "DROP INDEX runs_by_idempotency_key;"
        "CREATE INDEX runs_by_idempotency_key ON runs (idempotency_key, created_at, id);"
        "INSERT INTO runs VALUES ('run-1', 'etl', 1, 'succeeded', NULL, NULL, 'nightly', NULL, 100, 0, 0);"
        "INSERT INTO runs VALUES ('run-2', 'etl', 1, 'queued', NULL, NULL, 'nightly', NULL, 200, 0, 0);" +
        std::string(kUndoVersion4) + kUndoVersion3 + "PRAGMA user_version = 1;");
  }
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  EXPECT_EQ(store.get_run("run-1")->idempotency_key, "nightly");
  EXPECT_EQ(store.get_run("run-2")->idempotency_key, "");
  EXPECT_THROW(
      store.write({{}, {{"run-3", "etl", 1, sdk::RunStatus::queued, "", "", "nightly", "", 300, 0, 0}}, {}, {}}),
      sdk::Conflict);
}

// Schema version 3 (ABI 2.1) adds the retry budget to tasks, and attempts
// and schedule states: tasks of version 2 keep their rows with no budget used.
TEST_F(SqliteStoreTest, MigratingTo21KeepsTasksWithAnEmptyBudget) {
  open();
  {
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute(std::string(kUndoVersion7) + kUndoVersion6 + kUndoVersion5 + kUndoVersion4 + kUndoVersion3 +
                       "INSERT INTO tasks (run_id, node, idx, status, attempt, ready_at, started_at, finished_at) "
                       "VALUES ('run-1', 'a', -1, 'retrying', 2, 0, 10, 0);"
                       "PRAGMA user_version = 2;");
  }
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  const auto tasks = store.list_tasks("run-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].attempt, 2);
  EXPECT_EQ(tasks[0].attempts_before, 0);
  EXPECT_EQ(tasks[0].budget_started_at, 0);
  EXPECT_TRUE(store.list_attempts("run-1").empty());
  store.write({{}, {}, {}, {}, {}, {{"etl", true, 100}}});
  EXPECT_EQ(store.list_schedule_states().size(), 1u);
}

// Schema version 4 (ABI 2.1) lets tokens expire and be scoped, and keeps the
// audit log: a token of version 3 never expires and may act on any workflow.
TEST_F(SqliteStoreTest, MigratingTo4KeepsTokensUnexpiringAndUnscoped) {
  open().write({{}, {}, {}, {{"t1", "sha256:x", "viewer", "ci", 100, false}}});
  {
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute(std::string(kUndoVersion7) + kUndoVersion6 + kUndoVersion5 + kUndoVersion4 +
                       "PRAGMA user_version = 3;");
  }
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  const auto tokens = store.list_tokens();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].expires_at, 0);
  EXPECT_EQ(tokens[0].workflows, "");
  EXPECT_TRUE(store.list_audit("", 0).empty());
}

// Schema version 6 (ABI 2.1) names a run's parent task (a subworkflow's
// child): the runs of version 5 have none, and have no children.
TEST_F(SqliteStoreTest, MigratingTo6KeepsRunsWithoutAParent) {
  open().write({{}, {{"run-1", "etl", 1, sdk::RunStatus::queued, "", "", "", "", 100, 0, 0}}, {}, {}});
  {
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute(std::string(kUndoVersion7) + kUndoVersion6 + "PRAGMA user_version = 5;");
  }
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  const auto run = store.get_run("run-1");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->parent_run_id, "");
  EXPECT_EQ(run->parent_index, -1);
  sdk::RunFilter children;
  children.parent_run_id = "run-1";
  EXPECT_TRUE(store.list_runs(children).empty());
}

// Schema version 7 (ABI 2.1) keeps a task's cache key and origin: the tasks
// of version 6 have neither, and no cache lookup finds them.
TEST_F(SqliteStoreTest, MigratingTo7KeepsTasksOutOfTheCache) {
  open().write({{}, {{"run-1", "etl", 1, sdk::RunStatus::succeeded, "", "", "", "", 100, 0, 0}}, {}, {}});
  {
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute(std::string(kUndoVersion7) +
                       "INSERT INTO tasks (run_id, node, idx, status, attempt, ready_at, started_at, finished_at) "
                       "VALUES ('run-1', 'a', -1, 'succeeded', 1, 0, 10, 20);"
                       "PRAGMA user_version = 6;");
  }
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  const auto tasks = store.list_tasks("run-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].cache_key, "");
  EXPECT_EQ(tasks[0].cached_from, sdk::TaskRef{});
  EXPECT_FALSE(store.find_cached({{"etl", "", 0}}).at(0));
  auto keyed = tasks[0];
  keyed.cache_key = "k";
  store.write({{}, {}, {keyed}, {}});
  EXPECT_TRUE(store.find_cached({{"etl", "k", 0}}).at(0));
}

TEST_F(SqliteStoreTest, TheFileHoldsTheDataAfterClose) {
  open().write({{}, {}, {}, {{"t1", "sha256:x", "admin", "", 100, false}}});
  Connection connection(file_, Connection::Mode::read_only, 1000);
  auto query = connection.query("SELECT role FROM tokens WHERE id = 't1'");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.text(0), "admin");
}

TEST_F(SqliteStoreTest, ARecordWithAnEmptyKeyIsRefused) {
  auto store = open();
  EXPECT_THROW(store.write({{}, {{"", "etl", 1, sdk::RunStatus::queued, "", "", "", "", 100, 0, 0}}, {}, {}}),
               std::runtime_error);
  EXPECT_TRUE(store.list_runs({}).empty());
}

// ---- statuses: stored as their names, as before ABI 2 --------------------

sdk::TaskRecord task_in(std::string run_id, sdk::TaskStatus status) {
  sdk::TaskRecord task;
  task.run_id = std::move(run_id);
  task.node = "load";
  task.status = status;
  task.attempt = 1;
  return task;
}

TEST_F(SqliteStoreTest, StatusesAreStoredAsTheirNames) {
  open().write({{},
                {{"run-1", "etl", 1, sdk::RunStatus::cancelled, "", "", "", "", 100, 0, 0}},
                {task_in("run-1", sdk::TaskStatus::upstream_failed)},
                {}});
  Connection connection(file_, Connection::Mode::read_only, 1000);
  auto run = connection.query("SELECT status FROM runs WHERE id = 'run-1'");
  ASSERT_TRUE(run.step());
  EXPECT_EQ(run.text(0), "cancelled");
  auto task = connection.query("SELECT status FROM tasks WHERE run_id = 'run-1'");
  ASSERT_TRUE(task.step());
  EXPECT_EQ(task.text(0), "upstream_failed");
}

TEST_F(SqliteStoreTest, StatusNamesInTheFileReadBackAsStatuses) {
  auto store = open();
  {
    // Rows as a store written before ABI 2 holds them: the same names.
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute(
        "INSERT INTO runs (id, version, status, created_at, started_at, finished_at) "
        "VALUES ('run-1', 0, 'succeeded', 100, 0, 0)");
    connection.execute(
        "INSERT INTO tasks (run_id, node, idx, status, attempt, ready_at, started_at, finished_at) "
        "VALUES ('run-1', 'a', -1, 'retrying', 2, 0, 0, 0)");
  }
  const auto run = store.get_run("run-1");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, sdk::RunStatus::succeeded);
  const auto tasks = store.list_tasks("run-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].status, sdk::TaskStatus::retrying);
  sdk::RunFilter succeeded;
  succeeded.status = sdk::RunStatus::succeeded;
  EXPECT_EQ(store.list_runs(succeeded).size(), 1u);
}

TEST_F(SqliteStoreTest, AnUnknownStatusInTheFileIsAnErrorNamingIt) {
  auto store = open();
  store.write({{},
               {{"run-1", "etl", 1, sdk::RunStatus::running, "", "", "", "", 100, 0, 0}},
               {task_in("run-1", sdk::TaskStatus::running)},
               {}});
  {
    Connection connection(file_, Connection::Mode::read_write, 1000);
    connection.execute("UPDATE runs SET status = 'hibernating'");
    connection.execute("UPDATE tasks SET status = NULL");
  }
  const auto message = [](auto read) -> std::string {
    try {
      read();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "read an unknown status";
    return {};
  };
  EXPECT_THAT(message([&] { store.get_run("run-1"); }),
              AllOf(HasSubstr(file_.string()), HasSubstr("run 'run-1' has the unknown status 'hibernating'")));
  EXPECT_THAT(message([&] { store.list_runs({}); }), HasSubstr("unknown status 'hibernating'"));
  EXPECT_THAT(message([&] { store.list_tasks("run-1"); }),
              HasSubstr("task 'load' [-1] of run 'run-1' has the unknown status ''"));
}

}  // namespace
}  // namespace weft::storage::sqlite
