// The sqlite plugin, built and loaded as the daemon loads it, against the store conformance suite.
#include <gmock/gmock.h>

#include <weft/sdk/testing/store_cache_conformance.hpp>
#include <weft/sdk/testing/store_queue_conformance.hpp>

namespace {

using weft::sdk::testing::load_store_vtable;

const weft_store_vtable* sqlite_vtable() { return load_store_vtable(WEFT_PLUGIN_FILE, "sqlite"); }

std::string config_in(const std::filesystem::path& scratch_dir) {
  return nlohmann::json{{"path", (scratch_dir / "state" / "weft.db").string()}}.dump();
}

TEST(SqlitePlugin, BadConfigIsAnErrorNamingTheKey) {
  weft_error err{};
  void* store = nullptr;
  const std::string config = R"({"path": "/tmp/never-created.db", "journal": "wal"})";
  EXPECT_EQ(sqlite_vtable()->open(weft::sdk::testing::quiet_host(), weft::sdk::str(config), &store, &err), WEFT_ERROR);
  EXPECT_THAT(err.message, ::testing::HasSubstr("'journal'"));
  EXPECT_EQ(store, nullptr);
}

TEST(SqlitePlugin, PublishesItsConfigSchema) {
  const weft::sdk::testing::LoadedPlugin plugin(WEFT_PLUGIN_FILE);
  ASSERT_EQ(plugin.descriptor().factory_count, 1u);
  const auto schema = nlohmann::json::parse(plugin.factory(WEFT_KIND_STORAGE, "sqlite").schema_json);
  EXPECT_EQ(schema["required"], nlohmann::json::array({"path"}));
}

}  // namespace

const weft::sdk::testing::StoreUnderTest kSqlite{"sqlite", sqlite_vtable, config_in};

WEFT_STORE_CONFORMANCE(Sqlite, kSqlite);
WEFT_QUEUE_STORE_CONFORMANCE(Sqlite, kSqlite);
WEFT_CACHE_STORE_CONFORMANCE(Sqlite, kSqlite);
