#include "task_timings.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

namespace weft::bench {

namespace {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

Database open_read_only(const std::filesystem::path& file) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    throw std::runtime_error("cannot open " + file.string() + " read-only: " + sqlite3_errstr(rc));
  }
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

Statement prepare(sqlite3* db, const char* sql, const std::string& run_id) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("cannot query weftd's database: ") + sqlite3_errmsg(db));
  }
  Statement statement(raw);
  sqlite3_bind_text(raw, 1, run_id.c_str(), static_cast<int>(run_id.size()), SQLITE_TRANSIENT);
  return statement;
}

std::string text_column(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  return text == nullptr ? std::string() : reinterpret_cast<const char*>(text);
}

}  // namespace

RunTimings read_run_timings(const std::filesystem::path& database, const std::string& run_id) {
  const Database db = open_read_only(database);
  RunTimings timings;
  const Statement run = prepare(db.get(), "SELECT status, started_at, finished_at FROM runs WHERE id = ?", run_id);
  if (sqlite3_step(run.get()) != SQLITE_ROW) {
    throw std::runtime_error("run " + run_id + " is not in " + database.string());
  }
  timings.status = text_column(run.get(), 0);
  timings.started_at = sqlite3_column_int64(run.get(), 1);
  timings.finished_at = sqlite3_column_int64(run.get(), 2);
  const Statement tasks =
      prepare(db.get(), "SELECT ready_at, started_at, finished_at, status FROM tasks WHERE run_id = ? AND ready_at > 0",
              run_id);
  while (sqlite3_step(tasks.get()) == SQLITE_ROW) {
    timings.tasks.push_back({sqlite3_column_int64(tasks.get(), 0), sqlite3_column_int64(tasks.get(), 1),
                             sqlite3_column_int64(tasks.get(), 2)});
    if (text_column(tasks.get(), 3) == "succeeded") ++timings.succeeded_tasks;
  }
  return timings;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

}  // namespace weft::bench
