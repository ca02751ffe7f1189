#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "progress.hpp"
#include "table.hpp"
#include "views.hpp"

namespace weft::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

template <class Print, class... Args>
std::string printed(Print print, const Args&... args) {
  std::ostringstream out;
  print(out, args...);
  return out.str();
}

TEST(Table, ColumnsAreAlignedOnTheWidestCell) {
  Table table({"ID", "STATUS"});
  table.add_row({"r-1", "running"});
  table.add_row({"run-22", "failed"});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(),
            "ID      STATUS\n"
            "r-1     running\n"
            "run-22  failed\n");
}

TEST(Table, NoLineEndsInBlanks) {
  Table table({"A", "B", "C"});
  table.add_row({"long value", "", ""});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(),
            "A           B  C\n"
            "long value\n");
}

TEST(Table, WidthCountsCharactersNotBytes) {
  Table table;
  table.add_row({"héllo", "x"});
  table.add_row({"hello", "y"});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(), "héllo  x\nhello  y\n");
}

TEST(Cell, RendersJsonForHumans) {
  EXPECT_EQ(cell(json("text")), "text");
  EXPECT_EQ(cell(json(nullptr)), "-");
  EXPECT_EQ(cell(json(3)), "3");
  EXPECT_EQ(cell(json({"command", "noop"})), "command,noop");
  EXPECT_EQ(cell(json({{"date", "2026-01-01"}})), R"({"date":"2026-01-01"})");
  EXPECT_EQ(cell(json({{"a", 1}}), "missing"), "-");
}

TEST(Views, RunsAreATableWithTheCursorForMore) {
  const json page = {{"items",
                      {{{"id", "r1"},
                        {"workflow", "daily"},
                        {"version", 2},
                        {"status", "running"},
                        {"created_at", "2026-01-01T00:00:00Z"},
                        {"finished_at", nullptr}}}},
                     {"next_cursor", "c2"}};
  EXPECT_EQ(printed(print_runs, page),
            "ID  WORKFLOW  STATUS   CREATED               FINISHED\n"
            "r1  daily v2  running  2026-01-01T00:00:00Z  -\n"
            "(more: --cursor c2)\n");
}

TEST(Views, NoCursorLineOnTheLastPage) {
  EXPECT_THAT(printed(print_runs, json({{"items", json::array()}, {"next_cursor", nullptr}})), Not(HasSubstr("more")));
}

TEST(Views, PluginsShowWhatTheyProvideOrWhyTheyWereRejected) {
  const json list = {{"items",
                      {{{"name", "core-nodes"},
                        {"kind", "node"},
                        {"version", "0.1.0"},
                        {"abi", "1.0"},
                        {"status", "loaded"},
                        {"provides", {"command", "noop"}}},
                       {{"name", "old"},
                        {"kind", "executor"},
                        {"version", "0.0.1"},
                        {"abi", "0.9"},
                        {"status", "rejected"},
                        {"error", "ABI 0.9, host 1.0"}}}}};
  EXPECT_EQ(printed(print_plugins, list),
            "NAME        KIND      VERSION  ABI  STATUS    PROVIDES / ERROR\n"
            "core-nodes  node      0.1.0    1.0  loaded    command,noop\n"
            "old         executor  0.0.1    0.9  rejected  ABI 0.9, host 1.0\n");
}

TEST(Views, RunStatusShowsTheRunAndATableOfItsTasks) {
  const json run = {{"id", "r1"},           {"workflow", "daily"}, {"version", 3},       {"status", "failed"},
                    {"params", {{"n", 1}}}, {"created_at", "t0"},  {"started_at", "t1"}, {"finished_at", "t2"}};
  const json tasks = {{"items",
                       {{{"id", "t-1"},
                         {"node", "process"},
                         {"index", 0},
                         {"status", "failed"},
                         {"attempt", 3},
                         {"exit_code", 2},
                         {"executor", "process"},
                         {"started_at", "t1"},
                         {"finished_at", "t2"},
                         {"error", "exit code 2"}}}}};
  EXPECT_EQ(printed(print_run, run, tasks),
            "run       r1\n"
            "workflow  daily v3\n"
            "status    failed\n"
            "params    {\"n\":1}\n"
            "created   t0\n"
            "started   t1\n"
            "finished  t2\n"
            "\n"
            "TASK  NODE        STATUS  ATTEMPT  EXIT  EXECUTOR  STARTED  FINISHED  ERROR\n"
            "t-1   process[0]  failed  3        2     process   t1       t2        exit code 2\n");
}

TEST(Views, ACacheHitShowsTheTaskItsOutputCameFrom) {
  const json run = {{"id", "r2"}, {"workflow", "daily"}, {"version", 1}, {"status", "succeeded"}};
  const json tasks = {{"items",
                       {{{"id", "convert[1]"},
                         {"node", "convert"},
                         {"index", 1},
                         {"status", "succeeded"},
                         {"attempt", 1},
                         {"executor", nullptr},
                         {"cache_key", "b.tif"},
                         {"cached_from", {{"run_id", "r1"}, {"node", "convert"}, {"index", 0}}}}}}};
  EXPECT_THAT(printed(print_run, run, tasks), HasSubstr("cached from r1 convert[0]"));
}

TEST(Views, FailedTasksAreListedWithTheirErrors) {
  const json tasks = {{"items",
                       {{{"id", "t-1"}, {"node", "list"}, {"status", "succeeded"}},
                        {{"id", "t-2"},
                         {"node", "fetch"},
                         {"status", "failed"},
                         {"attempt", 2},
                         {"exit_code", 7},
                         {"error", "connection refused"}}}}};
  EXPECT_EQ(printed(print_failed_tasks, tasks),
            "  task t-2 (fetch) failed after attempt 2, exit code 7: connection refused\n");
}

TEST(Views, ApiProblemsArePathColonMessage) {
  EXPECT_EQ(printed(print_api_problems, json({{{"path", "/nodes/2/depends_on/0"}, {"message", "unknown node 'lst'"}}})),
            "  /nodes/2/depends_on/0: unknown node 'lst'\n");
}

TEST(Progress, CountsFinalTasksAsDone) {
  const json run = {{"tasks", {{"pending", 2}, {"running", 1}, {"succeeded", 3}, {"skipped", 1}, {"failed", 1}}}};
  EXPECT_EQ(task_progress(run), (TaskProgress{5, 8}));
}

TEST(Progress, PlainOutputPrintsALineOnlyWhenTheCountChanges) {
  std::ostringstream out;
  ProgressDisplay display(out, false);
  display.update({0, 4});
  display.update({0, 4});
  display.update({2, 4});
  display.finish();
  EXPECT_EQ(out.str(), "tasks 0/4\ntasks 2/4\n");
}

TEST(Progress, ATerminalGetsOneBarRedrawnInPlace) {
  std::ostringstream out;
  ProgressDisplay display(out, true);
  display.update({0, 2});
  display.update({1, 2});
  display.finish();
  EXPECT_EQ(out.str(),
            "\r[..............................] tasks 0/2"
            "\r[###############...............] tasks 1/2\n");
}

}  // namespace
}  // namespace weft::cli
