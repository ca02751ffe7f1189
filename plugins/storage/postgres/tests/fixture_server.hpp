// The PostgreSQL server that the ctest fixture postgres_server runs for these
// tests, and a fresh schema in it for each store a test opens.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <weft/harness/postgres_server.hpp>

namespace weft::storage::postgres::testing {

// Throws, saying how to get one, when the fixture's server is not running.
inline const harness::PostgresServer& fixture_server() {
  static const harness::PostgresServer server(WEFT_POSTGRES_FIXTURE_DIR);
  if (!server.running()) {
    throw std::runtime_error(std::string("no PostgreSQL server runs in ") + WEFT_POSTGRES_FIXTURE_DIR +
                             ": ctest starts it first (the fixture postgres_server; run these tests through ctest, "
                             "e.g. ctest -R postgres), or start it by hand with "
                             "weft_postgres_fixture start " WEFT_POSTGRES_FIXTURE_DIR);
  }
  return server;
}

// The plugin's settings for a schema of its own, named after a scratch
// directory that the test made (and so unique).
inline nlohmann::json fresh_store_config(const std::filesystem::path& scratch_dir) {
  auto config = fixture_server().store_config(scratch_dir.filename().string());
  config.erase("plugin");
  return config;
}

}  // namespace weft::storage::postgres::testing
