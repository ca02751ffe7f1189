// The postgres plugin, built and loaded as the daemon loads it, against the
// store conformance suites (every store's, and shared stores'), on the server of the ctest fixture postgres_server.
#include <gmock/gmock.h>

#include <weft/sdk/testing/store_cache_conformance.hpp>
#include <weft/sdk/testing/store_queue_conformance.hpp>
#include <weft/sdk/testing/store_shared_conformance.hpp>

#include "fixture_server.hpp"

namespace {

using weft::sdk::testing::load_store_vtable;

const weft_store_vtable* postgres_vtable() { return load_store_vtable(WEFT_PLUGIN_FILE, "postgres"); }

std::string config_in(const std::filesystem::path& scratch_dir) {
  return weft::storage::postgres::testing::fresh_store_config(scratch_dir).dump();
}

TEST(PostgresPlugin, BadConfigIsAnErrorNamingTheKey) {
  weft_error err{};
  void* store = nullptr;
  const std::string config = R"({"host": "/nowhere", "journal": "wal"})";
  EXPECT_EQ(postgres_vtable()->open(weft::sdk::testing::quiet_host(), weft::sdk::str(config), &store, &err),
            WEFT_ERROR);
  EXPECT_THAT(err.message, ::testing::HasSubstr("'journal'"));
  EXPECT_EQ(store, nullptr);
}

TEST(PostgresPlugin, PublishesItsConfigSchema) {
  const weft::sdk::testing::LoadedPlugin plugin(WEFT_PLUGIN_FILE);
  ASSERT_EQ(plugin.descriptor().factory_count, 1u);
  const auto schema = nlohmann::json::parse(plugin.factory(WEFT_KIND_STORAGE, "postgres").schema_json);
  EXPECT_TRUE(schema["properties"].contains("password_file"));
  EXPECT_FALSE(schema["properties"].contains("password"));
}

}  // namespace

const weft::sdk::testing::StoreUnderTest kPostgres{"postgres", postgres_vtable, config_in, true};

WEFT_STORE_CONFORMANCE(Postgres, kPostgres);
WEFT_SHARED_STORE_CONFORMANCE(Postgres, kPostgres);
WEFT_QUEUE_STORE_CONFORMANCE(Postgres, kPostgres);
WEFT_CACHE_STORE_CONFORMANCE(Postgres, kPostgres);
