// read_run_timings for weftd on the postgres store, through libpq.
#include "task_timings.hpp"

#include <libpq-fe.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace weft::bench {

namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The settings are the harness's (PostgresServer::store_config): a password file, no TLS.
Connection connect(const nlohmann::json& storage) {
  std::ifstream password_file(storage.at("password_file").get<std::string>());
  std::string password;
  std::getline(password_file, password);
  const std::string host = storage.at("host");
  const std::string port = std::to_string(storage.at("port").get<int>());
  const std::string dbname = storage.at("dbname");
  const std::string user = storage.at("user");
  const std::string options = "-c search_path=" + storage.at("schema").get<std::string>();
  const char* keywords[] = {"host", "port", "dbname", "user", "password", "options", nullptr};
  const char* values[] = {host.c_str(),     port.c_str(),    dbname.c_str(), user.c_str(),
                          password.c_str(), options.c_str(), nullptr};
  Connection connection(PQconnectdbParams(keywords, values, 0), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot read weftd's postgres store: " + std::string(PQerrorMessage(connection.get())));
  }
  return connection;
}

Result query(PGconn* connection, const char* sql, const std::string& run_id) {
  const char* params[] = {run_id.c_str()};
  Result result(PQexecParams(connection, sql, 1, nullptr, params, nullptr, nullptr, 0), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    throw std::runtime_error("cannot query weftd's postgres store: " + std::string(PQerrorMessage(connection)));
  }
  return result;
}

int64_t integer(const PGresult* result, int row, int column) { return std::stoll(PQgetvalue(result, row, column)); }

}  // namespace

RunTimings read_run_timings(const nlohmann::json& postgres_storage, const std::string& run_id) {
  const Connection connection = connect(postgres_storage);
  const Result run = query(connection.get(), "SELECT status, started_at, finished_at FROM runs WHERE id = $1", run_id);
  if (PQntuples(run.get()) != 1) throw std::runtime_error("run " + run_id + " is not in weftd's postgres store");
  RunTimings timings;
  timings.status = PQgetvalue(run.get(), 0, 0);
  timings.started_at = integer(run.get(), 0, 1);
  timings.finished_at = integer(run.get(), 0, 2);
  const Result tasks =
      query(connection.get(),
            "SELECT ready_at, started_at, finished_at, status FROM tasks WHERE run_id = $1 AND ready_at > 0", run_id);
  for (int row = 0; row < PQntuples(tasks.get()); ++row) {
    timings.tasks.push_back({integer(tasks.get(), row, 0), integer(tasks.get(), row, 1), integer(tasks.get(), row, 2)});
    if (std::string(PQgetvalue(tasks.get(), row, 3)) == "succeeded") ++timings.succeeded_tasks;
  }
  return timings;
}

}  // namespace weft::bench
