// The database schema and its migrations, tracked in PRAGMA user_version.
#pragma once

#include "sqlite_connection.hpp"

namespace weft::storage::sqlite {

// The schema version this plugin creates and understands.
int latest_schema_version();

// The schema version the database is at (0 for a new, empty file).
int stored_schema_version(Connection& connection);

// Throws std::runtime_error naming both versions if the database was written
// by a newer plugin than this one.
void refuse_newer_schema(Connection& connection);

// Brings the database to latest_schema_version() in one transaction, applying
// each missing migration in order. Returns the version it started from.
int migrate(Connection& connection);

}  // namespace weft::storage::sqlite
