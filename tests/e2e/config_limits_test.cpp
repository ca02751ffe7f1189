// The limits of weftd.json that guard the daemon from large inputs, each
// configured low on a real weftd: a workflow's node count and nesting depth,
// a task's log size (older lines dropped, or the task failed), and the API
// requests of one token per second (429 with Retry-After).
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

WeftdOptions with_limits(const json& limits) {
  WeftdOptions options;
  options.config = {{"limits", limits}};
  return options;
}

// Prints the numbers 1 to 2000, one a line: 8893 bytes.
const char* const kLongLog = "seq 1 2000";

std::string stdout_of(const WeftdProcess& weftd, const std::string& run_id, const std::string& task) {
  const auto logs = weftd.client().get("/api/v1/runs/" + run_id + "/tasks/" + task + "/logs");
  EXPECT_EQ(logs.status, 200) << logs.body;
  return logs.body;
}

TEST(ConfigLimits, NodeCountAndNestingDepthAreRefusedNamingTheirLimit) {
  WeftdProcess weftd(with_limits({{"max_workflow_nodes", 2}, {"max_document_depth", 5}}));
  const auto three = workflow("three", {noop("a"), noop("b"), noop("c")});
  const auto stored = weftd.client().post("/api/v1/workflows", three);
  EXPECT_EQ(stored.status, 400) << stored.body;
  EXPECT_THAT(stored.body, HasSubstr("has 3 nodes; limits.max_workflow_nodes allows 2"));
  const auto checked = weftd.client().post("/api/v1/workflows/validate", three).json();
  EXPECT_EQ(checked.at("valid"), false);
  EXPECT_THAT(checked.at("errors").dump(), HasSubstr("limits.max_workflow_nodes allows 2"));

  // /nodes/0/params/output/a/b is 6 levels below the document.
  const auto deep = workflow("deep", {noop("a", {{"a", {{"b", 1}}}})});
  const auto refused = weftd.client().post("/api/v1/workflows", deep);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("nested deeper than 5 levels; limits.max_document_depth allows 5"));
  EXPECT_EQ(weftd.client().post("/api/v1/workflows", workflow("two", {noop("a", {{"a", 1}}), noop("b")})).status, 201);
}

TEST(ConfigLimits, ALogOverItsLimitKeepsItsNewestLines) {
  WeftdProcess weftd(with_limits({{"max_log_bytes", 1000}}));
  const auto run = weftd.wait_run(weftd.start_adhoc(workflow("long-log", {sh("talk", kLongLog)})));
  EXPECT_EQ(run["status"], "succeeded") << run.dump();
  const std::string log = stdout_of(weftd, run["id"], "talk");
  EXPECT_LE(log.size(), 1000u);
  EXPECT_THAT(log, StartsWith("[weft: "));
  EXPECT_THAT(log, HasSubstr("bytes of older lines dropped: limits.max_log_bytes]\n"));
  EXPECT_THAT(log, EndsWith("\n1999\n2000\n"));
  // Whole lines only: after the note, the numbers from some n up to 2000.
  const auto after_note = log.substr(log.find('\n') + 1);
  const int first = std::stoi(after_note);
  std::string expected;
  for (int n = first; n <= 2000; ++n) expected += std::to_string(n) + "\n";
  EXPECT_EQ(after_note, expected);
  EXPECT_GT(first, 1800);
}

TEST(ConfigLimits, ALogOverItsLimitFailsTheTaskWhenConfiguredSo) {
  WeftdProcess weftd(with_limits({{"max_log_bytes", 1000}, {"log_overflow", "fail_task"}}));
  const auto run =
      weftd.wait_run(weftd.start_adhoc(workflow("long-log", {sh("talk", kLongLog), sh("short", "echo fine")})));
  EXPECT_EQ(run["status"], "failed") << run.dump();
  const auto tasks = weftd.tasks(run["id"]);
  EXPECT_EQ(tasks.at("talk")["status"], "failed");
  EXPECT_EQ(tasks.at("talk")["error"],
            "the task's stdout is 8893 bytes; limits.max_log_bytes allows 1000 (limits.log_overflow: fail_task)");
  EXPECT_EQ(tasks.at("short")["status"], "succeeded");
  EXPECT_EQ(stdout_of(weftd, run["id"], "short"), "fine\n");
}

TEST(ConfigLimits, ATokenOverItsRequestRateIsAnswered429WithRetryAfter) {
  WeftdProcess weftd(with_limits({{"max_requests_per_token_per_s", 2}}));
  const auto client = weftd.client();
  HttpResponse limited;
  for (int i = 0; i < 40 && limited.status != 429; ++i) limited = client.get("/api/v1/workflows");
  ASSERT_EQ(limited.status, 429) << "40 requests in a row passed a limit of 2 a second";
  EXPECT_EQ(limited.json()["error"]["code"], "too_many_requests");
  EXPECT_THAT(limited.body, HasSubstr("limits.max_requests_per_token_per_s"));
  const int retry_after = std::stoi(limited.header("Retry-After"));
  EXPECT_GE(retry_after, 1);
  EXPECT_EQ(client.get("/healthz").status, 200);  // asks for no token, so counts for none

  std::this_thread::sleep_for(std::chrono::seconds(retry_after));
  EXPECT_EQ(client.get("/api/v1/workflows").status, 200);
}

}  // namespace
}  // namespace weft::test
