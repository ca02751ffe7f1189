// A thin C++ layer over libpq: one connection with its prepared statements,
// results that free themselves, pipelines of statements in one round trip,
// and a small pool. Errors are exceptions naming the server, never the password.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "postgres_config.hpp"

namespace weft::storage::postgres {

// A statement broke a UNIQUE constraint (SQLSTATE 23505): for a caller to
// tell a conflict of records from a failing database.
class UniqueViolation : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A statement prepared once per connection under its name, on first use.
struct Statement {
  std::string name;
  std::string sql;
};

// Parameters in text form; nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

// One statement's result, freed with the object. Cells read as text; NULL reads as "".
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  const PGresult* get() const { return result_.get(); }
  // Whether the statement succeeded (NULL, from a lost connection, did not).
  bool ok() const;

  int rows() const { return PQntuples(result_.get()); }
  std::string text(int row, int column) const;
  int64_t integer(int row, int column) const;
  std::optional<int32_t> optional_integer(int row, int column) const;
  // Rows the statement inserted or updated.
  int64_t affected_rows() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// One statement of a pipeline and its parameters.
struct Step {
  const Statement* statement;
  Params params;
};

class Connection {
 public:
  // Connects and puts config.schema first on the search path; throws std::runtime_error naming the server.
  explicit Connection(const PostgresConfig& config);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement without parameters, through the simple protocol (several may be separated by ';').
  void execute(const std::string& sql);
  Result execute(const Statement& statement, const Params& params = {});
  // Sends every step before waiting for any answer, in chunks that keep both
  // sides' buffers small, and returns each step's result in order. The first
  // failing step throws, after the server has skipped the steps behind it.
  std::vector<Result> pipeline(const std::vector<Step>& steps);

  // For a connection that LISTENs: the socket to wait on, and whether
  // notifications arrived since the last call (it reads what the socket
  // holds without waiting; throws if the connection is lost).
  int socket() const { return PQsocket(connection_.get()); }
  bool notified();

  // name as an SQL identifier, quoted.
  std::string quote_identifier(const std::string& name) const;

  // Ends an open transaction without raising: the caller is already handling a failure.
  void rollback() noexcept;

  // The connection is lost (server gone, restarted or out of reach), or a
  // pipeline broke off halfway: the pool drops it.
  bool broken() const {
    return PQstatus(connection_.get()) != CONNECTION_OK || PQpipelineStatus(connection_.get()) != PQ_PIPELINE_OFF;
  }

 private:
  void prepare(const Statement& statement);
  std::vector<Result> pipeline_chunk(std::vector<Step>::const_iterator begin, std::vector<Step>::const_iterator end);
  [[noreturn]] void fail(const std::string& what, const PGresult* result = nullptr) const;

  std::string target_;
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection_;
  std::set<std::string> prepared_;
};

// At most config.pool_size connections, opened on demand and kept for reuse
// with their prepared statements; a lost connection is dropped, and the next
// lease connects anew, which is how the store rides out a server restart.
class Pool {
 public:
  explicit Pool(PostgresConfig config);

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() { pool_.give_back(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  // Waits while every connection is leased; throws when a new one cannot be opened.
  Lease lease();
  const PostgresConfig& config() const { return config_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);

  PostgresConfig config_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle and leased
};

// Runs `BEGIN` on construction and `ROLLBACK` on destruction unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) { connection_.execute("BEGIN"); }
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace weft::storage::postgres
