#include "postgres_connection.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string_view>

namespace weft::storage::postgres {
namespace {

// Steps sent before the pipeline waits for their answers. The answers pile up
// in the server's socket buffer meanwhile; a few hundred small ones fit.
constexpr size_t kPipelineChunk = 256;

std::string trimmed(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// Pointers into params for libpq, nullptr for NULL; params must outlive them.
std::vector<const char*> values_of(const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  return values;
}

}  // namespace

std::string Result::text(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column)) return {};
  return {PQgetvalue(result_.get(), row, column), static_cast<size_t>(PQgetlength(result_.get(), row, column))};
}

int64_t Result::integer(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  const char* end = value + PQgetlength(result_.get(), row, column);
  int64_t number = 0;
  if (std::from_chars(value, end, number).ec != std::errc{}) {
    throw std::runtime_error("postgres: column " + std::string(PQfname(result_.get(), column)) +
                             " holds no integer: '" + std::string(value, end) + "'");
  }
  return number;
}

std::optional<int32_t> Result::optional_integer(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column)) return std::nullopt;
  return static_cast<int32_t>(integer(row, column));
}

int64_t Result::affected_rows() const {
  const char* count = PQcmdTuples(result_.get());
  return *count == '\0' ? 0 : std::stoll(count);
}

Connection::Connection(const PostgresConfig& config) : target_(config.target()), connection_(nullptr, &PQfinish) {
  const auto parameters = config.connection_parameters();
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (const auto& [keyword, value] : parameters) {
    keywords.push_back(keyword.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  connection_.reset(PQconnectdbParams(keywords.data(), values.data(), 0));
  if (!connection_) throw std::runtime_error(target_ + ": cannot connect: out of memory");
  if (PQstatus(connection_.get()) != CONNECTION_OK) fail("cannot connect");
  execute("SET search_path TO " + quote_identifier(config.schema));
}

bool Connection::notified() {
  if (PQconsumeInput(connection_.get()) == 0) fail("reading notifications");
  bool any = false;
  while (PGnotify* notification = PQnotifies(connection_.get())) {
    any = true;
    PQfreemem(notification);
  }
  return any;
}

std::string Connection::quote_identifier(const std::string& name) const {
  const std::unique_ptr<char, decltype(&PQfreemem)> quoted(
      PQescapeIdentifier(connection_.get(), name.c_str(), name.size()), &PQfreemem);
  if (!quoted) fail("cannot quote the name '" + name + "'");
  return quoted.get();
}

namespace {

bool is_unique_violation(const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr && std::string_view(state) == "23505";
}

[[noreturn]] void raise(const std::string& message, const PGresult* result) {
  if (is_unique_violation(result)) throw UniqueViolation(message);
  throw std::runtime_error(message);
}

}  // namespace

void Connection::fail(const std::string& what, const PGresult* result) const {
  const char* message = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection_.get());
  raise(target_ + ": " + what + ": " + trimmed(message), result);
}

bool Result::ok() const {
  const ExecStatusType status = PQresultStatus(result_.get());
  return result_ != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
}

void Connection::execute(const std::string& sql) {
  const Result result(PQexec(connection_.get(), sql.c_str()));
  if (!result.ok()) fail("'" + sql.substr(0, 40) + "' failed", result.get());
}

Result Connection::execute(const Statement& statement, const Params& params) {
  prepare(statement);
  const auto values = values_of(params);
  Result result(PQexecPrepared(connection_.get(), statement.name.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0));
  if (!result.ok()) fail(statement.name + " failed", result.get());
  return result;
}

std::vector<Result> Connection::pipeline(const std::vector<Step>& steps) {
  std::vector<Result> results;
  results.reserve(steps.size());
  for (auto begin = steps.begin(); begin != steps.end();) {
    const auto end = begin + static_cast<std::ptrdiff_t>(std::min<size_t>(kPipelineChunk, steps.end() - begin));
    for (auto& result : pipeline_chunk(begin, end)) results.push_back(std::move(result));
    begin = end;
  }
  return results;
}

std::vector<Result> Connection::pipeline_chunk(std::vector<Step>::const_iterator begin,
                                               std::vector<Step>::const_iterator end) {
  for (auto step = begin; step != end; ++step) prepare(*step->statement);
  PGconn* connection = connection_.get();
  if (PQenterPipelineMode(connection) != 1) fail("cannot enter pipeline mode");
  for (auto step = begin; step != end; ++step) {
    const auto values = values_of(step->params);
    if (PQsendQueryPrepared(connection, step->statement->name.c_str(), static_cast<int>(values.size()), values.data(),
                            nullptr, nullptr, 0) != 1) {
      fail("cannot send " + step->statement->name);
    }
  }
  if (PQpipelineSync(connection) != 1) fail("cannot send the pipeline");
  // Every step answers with its result and a NULL; the sync with PGRES_PIPELINE_SYNC.
  std::vector<Result> results;
  std::optional<size_t> first_error;
  for (auto step = begin; step != end; ++step) {
    Result result(PQgetResult(connection));
    if (result.get() == nullptr) fail("lost the connection in a pipeline");
    while (PGresult* rest = PQgetResult(connection)) PQclear(rest);
    if (!result.ok() && !first_error) first_error = results.size();
    results.push_back(std::move(result));
  }
  const Result sync(PQgetResult(connection));
  if (PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) fail("lost the connection in a pipeline");
  if (PQexitPipelineMode(connection) != 1) fail("cannot leave pipeline mode");
  if (first_error) {
    const PGresult* failed = results[*first_error].get();
    raise(target_ + ": " + (begin + static_cast<std::ptrdiff_t>(*first_error))->statement->name +
              " failed: " + trimmed(PQresultErrorMessage(failed)),
          failed);
  }
  return results;
}

void Connection::rollback() noexcept {
  if (broken()) return;
  PQclear(PQexec(connection_.get(), "ROLLBACK"));
}

void Connection::prepare(const Statement& statement) {
  if (prepared_.count(statement.name) != 0) return;
  const Result prepared(PQprepare(connection_.get(), statement.name.c_str(), statement.sql.c_str(), 0, nullptr));
  if (!prepared.ok()) fail("cannot prepare " + statement.name, prepared.get());
  prepared_.insert(statement.name);
}

Pool::Pool(PostgresConfig config) : config_(std::move(config)) {}

Pool::Lease Pool::lease() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [&] { return !idle_.empty() || open_ < config_.pool_size; });
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  try {
    return Lease(*this, std::make_unique<Connection>(config_));
  } catch (...) {
    lock.lock();
    --open_;
    returned_.notify_one();
    throw;
  }
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    if (connection->broken()) {
      // The server most likely restarted, which ended the idle connections
      // too: drop them now rather than fail one request with each.
      open_ -= 1 + static_cast<int>(idle_.size());
      idle_.clear();
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  returned_.notify_all();
}

Transaction::~Transaction() {
  if (!done_) connection_.rollback();
}

void Transaction::commit() {
  connection_.execute("COMMIT");
  done_ = true;
}

}  // namespace weft::storage::postgres
