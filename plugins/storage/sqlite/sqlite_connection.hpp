// A thin C++ layer over one sqlite3 connection: prepared statements cached
// for the connection's lifetime, errors as exceptions naming the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace weft::storage::sqlite {

class Connection;

// A statement broke a UNIQUE constraint: for a caller to tell a conflict of
// records from a failing database.
class UniqueViolation : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One execution of a cached statement. Binds parameters in order, steps
// through rows, and resets the statement when it goes out of scope so the
// connection can reuse it. Bound text is not copied: it must outlive the
// Query. Empty text binds as NULL, NULL reads back as empty text.
class Query {
 public:
  Query(sqlite3_stmt* statement, const Connection& connection) : statement_(statement), connection_(connection) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(std::string_view text);
  Query& bind(int64_t number);
  Query& bind(std::optional<int32_t> number);

  // True when a row is ready to read; false when the statement is done.
  bool step();
  // Steps to the end, for statements that return no rows.
  void run();

  std::string text(int column) const;
  int64_t integer(int column) const;
  std::optional<int32_t> optional_integer(int column) const;

  // The database file, for messages.
  const std::filesystem::path& file() const;

 private:
  sqlite3_stmt* statement_;
  const Connection& connection_;
  int next_parameter_ = 1;
};

// Owns one sqlite3 connection. Not thread-safe: one thread at a time, which
// the store arranges (a mutex for the writer, a pool lease for readers).
class Connection {
 public:
  enum class Mode { read_write, read_only };

  Connection(const std::filesystem::path& file, Mode mode, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs statements that return nothing worth reading (DDL, BEGIN, COMMIT).
  void execute(const std::string& sql);
  // sql is compiled the first time and kept; pass the same text to reuse it.
  Query query(const std::string& sql);
  // The number of rows the last INSERT/UPDATE/DELETE changed.
  int changes() const { return sqlite3_changes(db_); }
  const std::filesystem::path& file() const { return file_; }

  // Throws std::runtime_error "sqlite <file>: <what>: <sqlite's message>"
  // (UniqueViolation when that is what went wrong).
  [[noreturn]] void fail(std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace weft::storage::sqlite
