// A PostgreSQL server of the test's own (the harness's PostgresServer,
// Debian's package in a temp dir on a unix socket), started before the
// weftd processes that use it and stopped after them: derive from it first.
#pragma once

#include "weft/harness/postgres_server.hpp"
#include "weftd_process.hpp"

#include <filesystem>

namespace weft::test {

class OwnPostgres {
 protected:
  OwnPostgres() { server_.start(); }

  TempDir server_dir_{std::filesystem::temp_directory_path(), "weft-pg-"};
  harness::PostgresServer server_{server_dir_.path()};
};

}  // namespace weft::test
