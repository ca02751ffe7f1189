// The database schema and its migrations, tracked in the table weft_schema.
#pragma once

#include "postgres_connection.hpp"

namespace weft::storage::postgres {

// The schema version this plugin creates and understands.
int latest_schema_version();

// Brings config.schema (created if missing) to latest_schema_version() in one
// transaction under an advisory lock, so that weftd instances starting at
// once migrate one after the other. Returns the version it started from.
// Throws std::runtime_error naming both versions when the database was
// written by a newer plugin than this one, changing nothing.
int migrate(Connection& connection, const PostgresConfig& config);

}  // namespace weft::storage::postgres
