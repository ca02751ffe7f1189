#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <Poco/Net/ServerSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"
#include "fake_weftd.hpp"

namespace weft::cli {
namespace {

using nlohmann::json;
using ::testing::ContainsRegex;
using testing::FakeWeftd;
using ::testing::HasSubstr;
using testing::run_weft;
using ::testing::StartsWith;

class Commands : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("WEFT_TOKEN", "secret", 1);
    dir_ = std::filesystem::temp_directory_path() / ("weft-commands-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    unsetenv("WEFT_TOKEN");
    std::filesystem::remove_all(dir_);
  }

  testing::CliOutcome weft(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", fake_.url()});
    return run_weft(args);
  }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  FakeWeftd fake_;
  std::filesystem::path dir_;
};

TEST_F(Commands, TheTokenIsSentAsBearer) {
  fake_.answer("GET /api/v1/plugins", 200, {{"items", json::array()}});
  EXPECT_EQ(weft({"plugins"}).exit_code, 0);
  EXPECT_EQ(fake_.requests().at(0).authorization, "Bearer secret");
}

TEST_F(Commands, AnApiErrorPrintsItsMessageAndDetailsAndExits1) {
  fake_.answer("POST /api/v1/workflows", 400,
               {{"error",
                 {{"code", "invalid_workflow"},
                  {"message", "workflow 'daily' is invalid"},
                  {"details", {{{"path", "/nodes/2/depends_on/0"}, {"message", "unknown node 'lst'"}}}}}}});
  const auto outcome = weft({"apply", "-f", write("w.json", R"({"name": "daily"})")});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err, "weft: workflow 'daily' is invalid\n  /nodes/2/depends_on/0: unknown node 'lst'\n");
}

TEST_F(Commands, AnUnreachableServerIsNamedAndExits1) {
  std::string closed_port;
  {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    closed_port = std::to_string(socket.address().port());
  }
  const auto outcome = run_weft({"--server", "http://127.0.0.1:" + closed_port, "workflows"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.err, StartsWith("weft: cannot reach weftd at http://127.0.0.1:" + closed_port + ": "));
}

TEST_F(Commands, AMalformedDocumentNamesFileLineAndColumn) {
  const std::string file = write("bad.json", "{\n  \"name\": \n}");
  const auto outcome = weft({"apply", "-f", file});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.err, StartsWith("weft: " + file + ": parse error at line 3, column 1"));
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(Commands, RunSendsParamsAndStarts) {
  fake_.answer("POST /api/v1/workflows/daily/runs", 201, {{"id", "r1"}, {"status", "queued"}});
  const auto outcome = weft({"run", "daily", "-p", "n=3", "-p", "date=2026-01-01"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.out, "run r1 queued\n");
  EXPECT_EQ(fake_.requests().at(0).body, json({{"params", {{"n", 3}, {"date", "2026-01-01"}}}, {"start", true}}));
}

TEST_F(Commands, ExecSendsTheDocumentAndParams) {
  fake_.answer("POST /api/v1/runs", 201, {{"id", "r2"}, {"status", "queued"}});
  EXPECT_EQ(weft({"exec", write("w.json", R"({"name": "adhoc"})"), "-p", "x=true"}).exit_code, 0);
  EXPECT_EQ(fake_.requests().at(0).body, json({{"workflow", {{"name", "adhoc"}}}, {"params", {{"x", true}}}}));
}

// The SSE text of one event.
std::string event(const std::string& id, const std::string& type, const json& data) {
  return "id: " + id + "\nevent: " + type + "\ndata: " + data.dump() + "\n\n";
}

std::string task_event(const std::string& id, const std::string& task, const std::string& status) {
  return event(id, "task", {{"run_id", "r1"}, {"id", task}, {"status", status}, {"attempt", 1}});
}

std::string run_event(const std::string& id, const std::string& status) {
  return event(id, "run", {{"id", "r1"}, {"status", status}});
}

TEST_F(Commands, WaitFollowsTheRunsEventsAndExits0WhenItSucceeds) {
  fake_.answer("POST /api/v1/workflows/daily/runs", 201, {{"id", "r1"}, {"status", "queued"}});
  fake_.answer_events("GET /api/v1/runs/r1/events",
                      "retry: 1000\n\n" + task_event("7.1", "a", "running") + ": keep-alive\n\n" +
                          task_event("7.1", "b", "pending") + run_event("7.1", "running") +
                          task_event("7.2", "a", "succeeded") + task_event("7.3", "b", "succeeded") +
                          run_event("7.4", "succeeded"));
  const auto outcome = weft({"run", "daily", "--wait"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.out, "tasks 0/1\ntasks 0/2\ntasks 1/2\ntasks 2/2\nrun r1 succeeded\n");
}

TEST_F(Commands, WaitResumesAfterTheLastEventWhenTheStreamBreaksOff) {
  fake_.answer("POST /api/v1/workflows/daily/runs", 201, {{"id", "r1"}, {"status", "queued"}});
  fake_.answer_events("GET /api/v1/runs/r1/events", task_event("7.1", "a", "running") + run_event("7.2", "running"));
  fake_.answer_events("GET /api/v1/runs/r1/events",
                      task_event("7.3", "a", "succeeded") + run_event("7.4", "succeeded"));
  const auto outcome = weft({"run", "daily", "--wait"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.out, "tasks 0/1\ntasks 1/1\nrun r1 succeeded\n");
  const auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[1].last_event_id, "");
  EXPECT_EQ(requests[2].last_event_id, "7.2");
}

TEST_F(Commands, WaitExits1AndListsTheFailedTasksWhenTheRunFails) {
  fake_.answer("POST /api/v1/workflows/daily/runs", 201, {{"id", "r1"}, {"status", "queued"}});
  fake_.answer_events("GET /api/v1/runs/r1/events", task_event("7.1", "t1", "failed") + run_event("7.1", "failed"));
  fake_.answer("GET /api/v1/runs/r1/tasks", 200,
               {{"items",
                 {{{"id", "t1"},
                   {"node", "fetch"},
                   {"status", "failed"},
                   {"attempt", 1},
                   {"exit_code", 7},
                   {"error", "exit code 7"}}}}});
  const auto outcome = weft({"run", "daily", "--wait"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.out, HasSubstr("run r1 failed\n"));
  EXPECT_EQ(outcome.err, "  task t1 (fetch) failed after attempt 1, exit code 7: exit code 7\n");
}

TEST_F(Commands, StatusWatchPrintsEachChangeUntilTheRunEnds) {
  fake_.answer_events("GET /api/v1/runs/r1/events", task_event("7.1", "a", "running") + run_event("7.1", "running") +
                                                        "event: reset\ndata: {}\n\n" +
                                                        task_event("8.1", "a", "failed") + run_event("8.1", "failed"));
  const auto outcome = weft({"status", "r1", "-w"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.out,
            "task a running (attempt 1)\nrun r1 running\n(events were missed; the run's state follows)\n"
            "task a failed (attempt 1)\nrun r1 failed\n");
}

TEST_F(Commands, JsonOutputIsTheApisJson) {
  const json page = {{"items", {{{"id", "r1"}, {"status", "failed"}}}}, {"next_cursor", nullptr}};
  fake_.answer("GET /api/v1/runs?workflow=daily&status=failed", 200, page);
  const auto outcome = weft({"runs", "--workflow", "daily", "--status", "failed", "-o", "json"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(json::parse(outcome.out), page);
}

TEST_F(Commands, InvalidWorkflowValidationListsProblemsAndExits1) {
  fake_.answer("POST /api/v1/workflows/validate", 200,
               {{"valid", false}, {"errors", {{{"path", "/nodes/0/type"}, {"message", "unknown type 'cmd'"}}}}});
  const std::string file = write("w.json", "{}");
  const auto outcome = weft({"validate", file});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_EQ(outcome.err, file + ": invalid\n  /nodes/0/type: unknown type 'cmd'\n");
}

TEST_F(Commands, SchedulesAreListedWithTheirStateAndLastRun) {
  fake_.answer("GET /api/v1/schedules", 200,
               {{"items",
                 {{{"workflow", "nightly"},
                   {"version", 3},
                   {"cron", "0 3 * * *"},
                   {"enabled", false},
                   {"paused", true},
                   {"next_firing", nullptr},
                   {"last_run", {{"id", "r9"}, {"firing", "2026-01-01T03:00:00.000Z"}}}},
                  {{"workflow", "weekly"},
                   {"version", 1},
                   {"cron", "0 4 * * 0"},
                   {"enabled", false},
                   {"paused", false},
                   {"next_firing", nullptr},
                   {"last_run", nullptr}}}}});
  const auto outcome = weft({"schedules"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_THAT(outcome.out, HasSubstr("nightly v3"));
  EXPECT_THAT(outcome.out, ContainsRegex("nightly v3 +0 3 \\* \\* \\* +paused"));
  EXPECT_THAT(outcome.out, ContainsRegex("weekly v1 +0 4 \\* \\* 0 +disabled"));
  EXPECT_THAT(outcome.out, HasSubstr("r9 (2026-01-01T03:00:00.000Z)"));
}

TEST_F(Commands, InstancesAreListedWithTheirHeartbeatAndRunsHeld) {
  fake_.answer("GET /api/v1/instances", 200,
               {{"shared", true},
                {"items",
                 {{{"id", "host-a:8080"},
                   {"address", "10.0.0.1:8080"},
                   {"last_heartbeat", "2026-01-01T03:00:00.000Z"},
                   {"runs_held", 7}}}}});
  const auto outcome = weft({"instances"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_THAT(outcome.out, HasSubstr("host-a:8080"));
  EXPECT_THAT(outcome.out, HasSubstr("2026-01-01T03:00:00.000Z"));
  EXPECT_THAT(outcome.out, HasSubstr("7"));
}

TEST_F(Commands, InstancesOfAStoreThatIsNotSharedSaySo) {
  fake_.answer("GET /api/v1/instances", 200, {{"shared", false}, {"items", nlohmann::json::array()}});
  const auto outcome = weft({"instances"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_THAT(outcome.out, HasSubstr("one weftd only"));
}

TEST_F(Commands, ScheduleActionsPostByWorkflowName) {
  fake_.answer("POST /api/v1/schedules/nightly/pause", 200, {{"workflow", "nightly"}, {"enabled", false}});
  EXPECT_EQ(weft({"schedule", "pause", "nightly"}).out, "schedule of nightly paused\n");
  fake_.answer("POST /api/v1/schedules/nightly/resume", 200,
               {{"workflow", "nightly"}, {"enabled", true}, {"next_firing", "2026-01-02T03:00:00.000Z"}});
  EXPECT_EQ(weft({"schedule", "resume", "nightly"}).out,
            "schedule of nightly resumed; next firing 2026-01-02T03:00:00.000Z\n");
  const auto wrong = weft({"schedule", "stop", "nightly"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.err, HasSubstr("'pause' or 'resume'"));
}

TEST_F(Commands, PushTakesJsonTextAFileOrStandardInput) {
  fake_.answer("POST /api/v1/queues/files/messages", 201, {{"id", "m1"}, {"queue", "files"}});
  EXPECT_EQ(weft({"push", "files", R"({"file": "/data/a.csv"})"}).out, "message m1 queued on files\n");
  EXPECT_EQ(weft({"push", "files", "@" + write("message.json", "[1, 2]")}).exit_code, 0);
  const auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, (json{{"file", "/data/a.csv"}}));
  EXPECT_EQ(requests[1].body, json::array({1, 2}));
  const auto broken = weft({"push", "files", "{\"file\": "});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.err, HasSubstr("the message: "));
}

TEST_F(Commands, QueuesAndTheirDeadLettersAreListedAndRedriven) {
  fake_.answer("GET /api/v1/queues", 200,
               {{"items", {{{"name", "files"}, {"ready", 3}, {"in_flight", 2}, {"dead", 1}}}}});
  EXPECT_THAT(weft({"queues"}).out, ContainsRegex("files +3 +2 +1"));
  fake_.answer(
      "GET /api/v1/queues/files/dead", 200,
      {{"items",
        {{{"id", "m7"},
          {"body", {{"file", "x"}}},
          {"enqueued_at", "2026-01-01T03:00:00.000Z"},
          {"deliveries", 1},
          {"failure", {{"run_id", "r4"}, {"error", "node 'copy' failed"}, {"at", "2026-01-01T03:00:01.000Z"}}}}}},
       {"next_cursor", "m7"}});
  const auto dead = weft({"queue", "dead", "files"});
  EXPECT_THAT(dead.out, ContainsRegex("m7 .* r4 .* node 'copy' failed"));
  EXPECT_THAT(dead.out, HasSubstr("(more: --cursor m7)"));
  fake_.answer("POST /api/v1/queues/files/dead/redrive", 200, {{"queue", "files"}, {"redriven", 2}});
  EXPECT_EQ(weft({"queue", "redrive", "files", "--id", "m7", "--id", "m8"}).out, "2 message(s) of files ready again\n");
  EXPECT_EQ(fake_.requests().back().body, (json{{"ids", {"m7", "m8"}}}));
  EXPECT_EQ(weft({"queue", "drain", "files"}).exit_code, 2);
}

TEST_F(Commands, CancelPostsToTheRun) {
  fake_.answer("POST /api/v1/runs/r1/cancel", 202, json::object());
  EXPECT_EQ(weft({"cancel", "r1"}).out, "run r1: cancel requested\n");
}

}  // namespace
}  // namespace weft::cli
