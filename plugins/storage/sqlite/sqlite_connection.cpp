#include "sqlite_connection.hpp"

#include <stdexcept>

namespace weft::storage::sqlite {

Query::~Query() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Query& Query::bind(std::string_view text) {
  const int parameter = next_parameter_++;
  const int rc = text.empty()
                     ? sqlite3_bind_null(statement_, parameter)
                     : sqlite3_bind_text64(statement_, parameter, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) connection_.fail("binding parameter " + std::to_string(parameter));
  return *this;
}

Query& Query::bind(int64_t number) {
  const int parameter = next_parameter_++;
  if (sqlite3_bind_int64(statement_, parameter, number) != SQLITE_OK) {
    connection_.fail("binding parameter " + std::to_string(parameter));
  }
  return *this;
}

Query& Query::bind(std::optional<int32_t> number) {
  if (number) return bind(int64_t{*number});
  const int parameter = next_parameter_++;
  if (sqlite3_bind_null(statement_, parameter) != SQLITE_OK) {
    connection_.fail("binding parameter " + std::to_string(parameter));
  }
  return *this;
}

bool Query::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.fail(sqlite3_sql(statement_));
}

void Query::run() {
  while (step()) {
  }
}

std::string Query::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

int64_t Query::integer(int column) const { return sqlite3_column_int64(statement_, column); }

const std::filesystem::path& Query::file() const { return connection_.file(); }

std::optional<int32_t> Query::optional_integer(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int(statement_, column);
}

Connection::Connection(const std::filesystem::path& file, Mode mode, int busy_timeout_ms) : file_(file) {
  // NOMUTEX: each connection is used by one thread at a time, so sqlite's own locking would only cost.
  const int flags = SQLITE_OPEN_NOMUTEX |
                    (mode == Mode::read_write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  if (sqlite3_open_v2(file.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("sqlite " + file.string() + ": cannot open: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

Connection::~Connection() {
  for (const auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close(db_);
}

void Connection::execute(const std::string& sql) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

Query Connection::query(const std::string& sql) {
  auto [it, inserted] = statements_.try_emplace(sql, nullptr);
  if (inserted) {
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1), SQLITE_PREPARE_PERSISTENT, &it->second,
                           nullptr) != SQLITE_OK) {
      statements_.erase(it);
      fail(sql);
    }
  }
  return Query(it->second, *this);
}

void Connection::fail(std::string_view what) const {
  std::string message = "sqlite " + file_.string() + ": " + std::string(what) + ": " + sqlite3_errmsg(db_);
  if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) throw UniqueViolation(message);
  throw std::runtime_error(message);
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.query("BEGIN IMMEDIATE").run();
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    connection_.query("ROLLBACK").run();
  } catch (...) {
    // A failed COMMIT or I/O error may already have ended the transaction; nothing is left to undo.
  }
}

void Transaction::commit() {
  connection_.query("COMMIT").run();
  open_ = false;
}

}  // namespace weft::storage::sqlite
