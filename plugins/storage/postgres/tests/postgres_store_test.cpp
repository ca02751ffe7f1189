// What is particular to the postgres store: its config, the password and TLS
// settings, its schema and migrations, and riding out a server restart. The
// behaviour every store shares is in postgres_conformance_test.cpp.
#include "postgres_store.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <weft/harness/weftd_process.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>

#include "fixture_server.hpp"
#include "postgres_schema.hpp"

namespace weft::storage::postgres {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

sdk::RunRecord queued_run(const std::string& id) {
  return {id, "etl", 1, sdk::RunStatus::queued, "", "", "", "", 100, 0, 0};
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  PostgresStore open(const nlohmann::json& config) const {
    return PostgresStore(sdk::Host(sdk::testing::quiet_host()), config);
  }
  PostgresStore open() const { return open(config_); }

  // The message open() fails with.
  std::string refusal(const nlohmann::json& config) const {
    try {
      open(config);
    } catch (const std::exception& e) {
      return e.what();
    }
    ADD_FAILURE() << "opened with " << config.dump();
    return {};
  }
  nlohmann::json with(const std::string& key, const nlohmann::json& value) const {
    auto config = config_;
    config[key] = value;
    return config;
  }
  // A connection of the test's own, in the store's schema.
  Connection connect() const { return Connection(PostgresConfig::parse(config_)); }
  // Undo the migrations after version 6, 5, 4, 3, 2 or 1 on a schema of the
  // latest version, as a database that an older weft left behind.
  void revert_to_version_6() const {
    connect().execute(
        "DROP INDEX tasks_by_cache_key; ALTER TABLE tasks DROP COLUMN cache_key;"
        "ALTER TABLE tasks DROP COLUMN cached_from_run_id; ALTER TABLE tasks DROP COLUMN cached_from_node;"
        "ALTER TABLE tasks DROP COLUMN cached_from_index; DROP INDEX messages_done;"
        "UPDATE weft_schema SET version = 6");
  }
  void revert_to_version_5() const {
    revert_to_version_6();
    connect().execute(
        "DROP INDEX runs_by_parent; ALTER TABLE runs DROP COLUMN parent_run_id;"
        "ALTER TABLE runs DROP COLUMN parent_node; ALTER TABLE runs DROP COLUMN parent_index;"
        "UPDATE weft_schema SET version = 5");
  }
  void revert_to_version_4() const {
    revert_to_version_5();
    connect().execute("DROP TABLE messages; UPDATE weft_schema SET version = 4");
  }
  void revert_to_version_3() const {
    revert_to_version_4();
    connect().execute(
        "DROP TABLE audit; ALTER TABLE tokens DROP COLUMN expires_at; ALTER TABLE tokens DROP COLUMN workflows;"
        "UPDATE weft_schema SET version = 3");
  }
  void revert_to_version_2() const {
    revert_to_version_3();
    connect().execute(
        "DROP TABLE instances; DROP INDEX runs_by_owner; DROP INDEX runs_claimable;"
        "CREATE INDEX runs_unowned ON runs (created_at) WHERE owner IS NULL AND status IN ('queued', 'running', "
        "'paused');"
        "UPDATE weft_schema SET version = 2");
  }
  void revert_to_version_1() const {
    revert_to_version_2();
    connect().execute(
        "DROP TABLE attempts; DROP TABLE schedule_states;"
        "ALTER TABLE tasks DROP COLUMN budget_started_at; ALTER TABLE tasks DROP COLUMN attempts_before;"
        "DROP INDEX runs_unowned;"
        "CREATE INDEX runs_unowned ON runs (created_at) WHERE owner IS NULL AND status IN ('queued', 'running');"
        "UPDATE weft_schema SET version = 1");
  }
  std::string password() const {
    std::ifstream in(config_["password_file"].get<std::string>());
    std::string line;
    std::getline(in, line);
    return line;
  }

  harness::TempDir scratch_{std::filesystem::temp_directory_path(), "weft_pg_"};
  nlohmann::json config_ = testing::fresh_store_config(scratch_.path());
};

TEST_F(PostgresStoreTest, AnUnknownKeyIsRefusedByName) {
  EXPECT_THAT(refusal(with("cache_mb", 64)), HasSubstr("unknown key 'cache_mb'"));
}

TEST_F(PostgresStoreTest, AWrongTypeIsRefusedNamingTheKey) {
  EXPECT_THAT(refusal(with("port", "5432")), HasSubstr("'port'"));
  EXPECT_THAT(refusal(with("pool_size", 0)), HasSubstr("'pool_size'"));
  EXPECT_THAT(refusal(with("sslmode", "sometimes")), AllOf(HasSubstr("'sslmode'"), HasSubstr("sometimes")));
}

TEST_F(PostgresStoreTest, APasswordInTheConfigIsRefusedWithoutEchoingIt) {
  EXPECT_THAT(refusal(with("password", "hunter2-secret")),
              AllOf(HasSubstr("'password_file'"), HasSubstr("'password_env'"), Not(HasSubstr("hunter2-secret"))));
}

TEST_F(PostgresStoreTest, AMissingPasswordFileIsRefusedNamingIt) {
  EXPECT_THAT(refusal(with("password_file", "/nonexistent/pw")),
              AllOf(HasSubstr("'password_file'"), HasSubstr("/nonexistent/pw")));
}

TEST_F(PostgresStoreTest, TwoPasswordSourcesAreRefused) {
  EXPECT_THAT(refusal(with("password_env", "WEFT_TEST_PG_PASSWORD")), HasSubstr("choose one"));
}

TEST_F(PostgresStoreTest, ThePasswordMayComeFromTheEnvironment) {
  auto config = config_;
  config.erase("password_file");
  config["password_env"] = "WEFT_TEST_PG_PASSWORD";
  EXPECT_THAT(refusal(config), HasSubstr("WEFT_TEST_PG_PASSWORD, which is not set"));
  ::setenv("WEFT_TEST_PG_PASSWORD", password().c_str(), 1);
  auto store = open(config);
  ::unsetenv("WEFT_TEST_PG_PASSWORD");
  store.write({{}, {queued_run("run-1")}, {}, {}});
  EXPECT_TRUE(store.get_run("run-1"));
}

TEST_F(PostgresStoreTest, AWrongPasswordIsRefusedNamingTheServerButNotThePassword) {
  const auto wrong = scratch_.path() / "wrong-password";
  std::ofstream(wrong) << "not-the-password-4711\n";
  const std::string message = refusal(with("password_file", wrong.string()));
  EXPECT_THAT(message, AllOf(HasSubstr("password authentication failed"), HasSubstr(config_["host"].get<std::string>()),
                             Not(HasSubstr("not-the-password-4711"))));
}

TEST_F(PostgresStoreTest, TheExampleConfigsStorageKeysAreAllKnown) {
  std::ifstream in(std::filesystem::path(WEFT_SOURCE_DIR) / "etc" / "weftd.postgres.json");
  auto storage = nlohmann::json::parse(in).at("storage");
  EXPECT_EQ(storage["plugin"], "postgres");
  storage.erase("plugin");
  storage["password_file"] = config_["password_file"];  // the example's is on a host, not here
  const PostgresConfig parsed = PostgresConfig::parse(storage);
  EXPECT_EQ(parsed.sslmode, "verify-full");
  EXPECT_EQ(parsed.target(), "postgres weft@db.example.org:5432/weft");
}

// A loopback listener that reads what a client sends first and answers, as
// a server without TLS answers a request for it, 'N'.
class FirstMessageListener {
 public:
  FirstMessageListener() : port_(harness::free_port()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 1) != 0) {
      throw std::runtime_error("cannot listen on a loopback port");
    }
    thread_ = std::thread([this] {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::array<unsigned char, 8> first{};
      if (::recv(client, first.data(), first.size(), MSG_WAITALL) == 8) {
        request_code_ = (uint32_t{first[4]} << 24) | (uint32_t{first[5]} << 16) | (uint32_t{first[6]} << 8) | first[7];
      }
      (void)::send(client, "N", 1, MSG_NOSIGNAL);
      ::close(client);
    });
  }
  ~FirstMessageListener() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  FirstMessageListener(const FirstMessageListener&) = delete;
  FirstMessageListener& operator=(const FirstMessageListener&) = delete;
  uint16_t port() const { return port_; }
  // Call after the client is done: the code of its first message.
  uint32_t request_code() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    return request_code_;
  }

 private:
  uint16_t port_;
  int fd_ = -1;
  std::thread thread_;
  uint32_t request_code_ = 0;
};

TEST_F(PostgresStoreTest, TlsSettingsReachTheServer) {
  // libpq uses no TLS on a unix socket, so this asks over TCP, of a listener
  // that refuses TLS: the client's first message must be a request for it.
  constexpr uint32_t kSslRequestCode = 80877103;  // the protocol's SSLRequest
  FirstMessageListener listener;
  auto config = with("sslmode", "require");
  config["host"] = "127.0.0.1";
  config["port"] = listener.port();
  EXPECT_THAT(refusal(config), AllOf(HasSubstr("SSL"), HasSubstr("127.0.0.1")));
  EXPECT_EQ(listener.request_code(), kSslRequestCode);
}

TEST_F(PostgresStoreTest, TheServerShowsTheApplicationName) {
  auto store = open(with("application_name", "weftd-test-instance"));
  const Statement sessions{"sessions", "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"};
  EXPECT_GE(connect().execute(sessions, {"weftd-test-instance"}).integer(0, 0), 1);
}

TEST_F(PostgresStoreTest, ANewSchemaIsCreatedAndMigratedToTheLatestVersion) {
  EXPECT_EQ(open().schema_version(), latest_schema_version());
  const Statement version{"version", "SELECT version FROM weft_schema"};
  EXPECT_EQ(connect().execute(version).integer(0, 0), latest_schema_version());
}

TEST_F(PostgresStoreTest, StoresStartingAtOnceOnANewSchemaMigrateItOnce) {
  std::vector<std::string> errors(4);
  std::vector<std::thread> starting;
  for (auto& error : errors) {
    starting.emplace_back([&] {
      try {
        open();
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
  }
  for (auto& thread : starting) thread.join();
  EXPECT_EQ(errors, std::vector<std::string>(4));
  const Statement rows{"rows", "SELECT count(*) FROM weft_schema"};
  EXPECT_EQ(connect().execute(rows).integer(0, 0), 1);
}

TEST_F(PostgresStoreTest, ANewerSchemaIsRefusedNamingBothVersions) {
  open().write({{}, {queued_run("run-1")}, {}, {}});
  connect().execute("UPDATE weft_schema SET version = 99");
  EXPECT_THAT(refusal(config_),
              AllOf(HasSubstr("schema version 99"), HasSubstr("version " + std::to_string(latest_schema_version()))));
  const Statement version{"version", "SELECT version FROM weft_schema"};
  EXPECT_EQ(connect().execute(version).integer(0, 0), 99);
}

// Version 2 (ABI 2.1) adds the retry budget to tasks, and attempts and
// schedule states: tasks of version 1 keep their rows with no budget used.
TEST_F(PostgresStoreTest, MigratingFromVersion1KeepsTasksWithAnEmptyBudget) {
  open();
  revert_to_version_1();
  connect().execute(
      "INSERT INTO tasks (run_id, node, idx, status, attempt, ready_at, started_at, finished_at) "
      "VALUES ('run-1', 'a', -1, 'retrying', 2, 0, 10, 0)");
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

// Version 3 lets instances share the database: the unfinished runs a single
// weftd wrote under version 2, paused ones included, can be claimed.
TEST_F(PostgresStoreTest, MigratingFromVersion2LetsInstancesClaimItsUnfinishedRunsPausedOnesIncluded) {
  auto paused = queued_run("run-2");
  paused.status = sdk::RunStatus::paused;
  auto finished = queued_run("run-3");
  finished.status = sdk::RunStatus::succeeded;
  open().write({{}, {queued_run("run-1"), paused, finished}, {}, {}});
  revert_to_version_2();
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  const std::vector<sdk::RunLease> both{{"run-1", 1}, {"run-2", 1}};
  EXPECT_THAT(store.claim_runs("instance-a", 30000, 10, {}), UnorderedElementsAreArray(both));
  EXPECT_THAT(store.renew_leases("instance-a", "127.0.0.1:8080", 30000), UnorderedElementsAreArray(both));
  const auto instances = store.list_instances();
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].id, "instance-a");
  EXPECT_EQ(instances[0].runs_held, 2);
}

// Version 6 (ABI 2.1) names a run's parent task (a subworkflow's child):
// the runs of version 5 have none, and have no children.
TEST_F(PostgresStoreTest, MigratingFromVersion5KeepsRunsWithoutAParent) {
  open().write({{}, {queued_run("run-1")}, {}, {}});
  revert_to_version_5();
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

// Version 7 (ABI 2.1) keeps a task's cache key and origin: the tasks of
// version 6 have neither, and no cache lookup finds them.
TEST_F(PostgresStoreTest, MigratingFromVersion6KeepsTasksOutOfTheCache) {
  auto finished = queued_run("run-1");
  finished.status = sdk::RunStatus::succeeded;
  sdk::TaskRecord task;
  task.run_id = "run-1";
  task.node = "a";
  task.status = sdk::TaskStatus::succeeded;
  task.attempt = 1;
  task.finished_at = 20;
  open().write({{}, {finished}, {task}, {}});
  revert_to_version_6();
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  const auto tasks = store.list_tasks("run-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].cache_key, "");
  EXPECT_EQ(tasks[0].cached_from, sdk::TaskRef{});
  auto keyed = tasks[0];
  keyed.cache_key = "k";
  store.write({{}, {}, {keyed}, {}});
  EXPECT_TRUE(store.find_cached({{finished.workflow, "k", 0}}).at(0));
}

// Version 4 (ABI 2.1) lets tokens expire and be scoped, and keeps the audit
// log: a token of version 3 never expires and may act on any workflow.
TEST_F(PostgresStoreTest, MigratingFromVersion3KeepsTokensUnexpiringAndUnscoped) {
  open().write({{}, {}, {}, {{"t1", "sha256:x", "viewer", "ci", 100, false}}});
  revert_to_version_3();
  auto store = open();
  EXPECT_EQ(store.schema_version(), latest_schema_version());
  const auto tokens = store.list_tokens();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].expires_at, 0);
  EXPECT_EQ(tokens[0].workflows, "");
  EXPECT_TRUE(store.list_audit("", 0).empty());
}

TEST_F(PostgresStoreTest, AnUnknownStatusInTheDatabaseIsAnErrorNamingIt) {
  auto store = open();
  store.write({{}, {queued_run("run-1")}, {}, {}});
  connect().execute("UPDATE runs SET status = 'hibernating'");
  EXPECT_THROW(
      {
        try {
          store.get_run("run-1");
        } catch (const std::runtime_error& e) {
          EXPECT_THAT(e.what(), HasSubstr("run 'run-1' has the unknown status 'hibernating'"));
          throw;
        }
      },
      std::runtime_error);
}

TEST_F(PostgresStoreTest, ARecordWithAnEmptyKeyIsRefusedAndTheBatchStoresNothing) {
  auto store = open();
  EXPECT_THROW(store.write({{}, {queued_run("run-1"), queued_run("")}, {}, {}}), std::runtime_error);
  EXPECT_TRUE(store.list_runs({}).empty());
  store.write({{}, {queued_run("run-2")}, {}, {}});  // the connection is fit for the next batch
  EXPECT_TRUE(store.get_run("run-2"));
}

TEST_F(PostgresStoreTest, ABatchLargerThanOnePipelineChunkIsWrittenWhole) {
  auto store = open();
  sdk::WriteBatch batch{{}, {queued_run("run-1")}, {}, {}};
  for (int64_t i = 0; i < 1000; ++i) {
    sdk::TaskRecord task;
    task.run_id = "run-1";
    task.node = "fan";
    task.index = i;
    task.status = sdk::TaskStatus::pending;
    batch.tasks.push_back(task);
  }
  store.write(batch);
  EXPECT_EQ(store.list_tasks("run-1").size(), 1000u);
}

// A server of this test's own, as it is stopped and started again.
TEST(PostgresStoreRestart, AStoreRidesOutAServerRestart) {
  const harness::TempDir dir(std::filesystem::temp_directory_path(), "weft-pg-restart-");
  harness::PostgresServer server(dir.path());
  server.start();
  auto config = server.store_config();
  config.erase("plugin");
  PostgresStore store(sdk::Host(sdk::testing::quiet_host()), config);
  store.write({{}, {queued_run("before")}, {}, {}});

  server.stop();
  EXPECT_THROW(store.write({{}, {queued_run("while-down")}, {}, {}}), std::runtime_error);
  EXPECT_THROW(store.get_run("before"), std::runtime_error);

  server.start();
  store.write({{}, {queued_run("while-down"), queued_run("after")}, {}, {}});
  EXPECT_EQ(store.list_runs({}).size(), 3u);
}

}  // namespace
}  // namespace weft::storage::postgres
