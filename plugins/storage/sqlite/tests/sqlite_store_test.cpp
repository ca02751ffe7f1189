// What is particular to the sqlite store: its config, its file, its schema.
// The behaviour every store shares is in sqlite_conformance_test.cpp.
#include "sqlite_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "sqlite_schema.hpp"

namespace weft::storage::sqlite {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const weft_host_api* quiet_host() {
  static const weft_host_api host = {sizeof(weft_host_api), nullptr, [](void*, weft_log_level, weft_str) {},
                                     [](void*, const weft_task_event*) {},
                                     [](void*, int, weft_fd_callback, void*) { return WEFT_ERROR; }};
  return &host;
}

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
  store.write({{}, {{"run-1", "etl", 1, "queued", "", "", "", "", 100, 0, 0}}, {}, {}});
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

TEST_F(SqliteStoreTest, TheFileHoldsTheDataAfterClose) {
  open().write({{}, {}, {}, {{"t1", "sha256:x", "admin", "", 100, false}}});
  Connection connection(file_, Connection::Mode::read_only, 1000);
  auto query = connection.query("SELECT role FROM tokens WHERE id = 't1'");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.text(0), "admin");
}

TEST_F(SqliteStoreTest, ARecordWithAnEmptyKeyIsRefused) {
  auto store = open();
  EXPECT_THROW(store.write({{}, {{"", "etl", 1, "queued", "", "", "", "", 100, 0, 0}}, {}, {}}), std::runtime_error);
  EXPECT_TRUE(store.list_runs({}).empty());
}

}  // namespace
}  // namespace weft::storage::sqlite
