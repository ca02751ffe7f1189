// What a task becomes in Cloud Run, what an execution and its logs mean for
// it, and the configuration.
#include "job_template.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "proto_schema.hpp"
#include "swagger_schema.hpp"
#include "testing/remote_executor_test.hpp"

namespace {

using nlohmann::json;
using weft::cloudrun::CloudRunConfig;

// Without GPUs, which Cloud Run does not run.
weft::sdk::TaskSpec a_task() {
  auto t = weft::remote::testing::task_with_every_field();
  t.resources.gpus = 0;
  return t;
}

CloudRunConfig config() { return CloudRunConfig::parse({{"project", "my-project"}, {"region", "europe-west1"}}); }

const weft::fakes::SwaggerSchema& protos() {
  static const weft::fakes::SwaggerSchema schema(
      weft::fakes::proto_definitions_in(WEFT_SOURCE_DIR "/tests/fakes/cloudrun_server/proto"));
  return schema;
}

TEST(JobTemplate, ATaskBecomesAConformingJobAndRun) {
  const auto spec = weft::cloudrun::job_for(a_task(), config());
  EXPECT_EQ(protos().problems(spec.job, "google.cloud.run.v2.Job"), std::vector<std::string>{});
  const json& container = spec.job["template"]["template"]["containers"][0];
  EXPECT_EQ(container["image"], "python:3.11");
  EXPECT_EQ(container["workingDir"], "/work");
  EXPECT_EQ(container["resources"]["limits"], json({{"cpu", "1500m"}, {"memory", "512Mi"}}));
  EXPECT_EQ(spec.job["template"]["template"]["maxRetries"], 0);

  json run = weft::cloudrun::run_request(a_task(), config());
  run["name"] = "projects/my-project/locations/europe-west1/jobs/" + spec.id;
  EXPECT_EQ(protos().problems(run, "google.cloud.run.v2.RunJobRequest"), std::vector<std::string>{});
  const json& overrides = run["overrides"];
  EXPECT_EQ(overrides["timeout"], "10s");
  EXPECT_EQ(overrides["containerOverrides"][0]["args"], json({"python3", "-c", "print(1)"}));
  const json env = overrides["containerOverrides"][0]["env"];
  EXPECT_NE(std::find(env.begin(), env.end(), json({{"name", "K"}, {"value", "V"}})), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), json({{"name", "WEFT_TASK_KEY"}, {"value", "run 1/build[2]#3"}})),
            env.end());
}

TEST(JobTemplate, TasksAlikeShareAJobAndADifferentSettingMakesAnother) {
  auto other_node = a_task();
  other_node.task_key = "run 2/other#1";
  other_node.command->argv = {"true"};
  other_node.command->env = {};
  EXPECT_EQ(weft::cloudrun::job_for(a_task(), config()).id, weft::cloudrun::job_for(other_node, config()).id);
  auto other_image = a_task();
  other_image.command->image = "python:3.12";
  EXPECT_NE(weft::cloudrun::job_for(a_task(), config()).id, weft::cloudrun::job_for(other_image, config()).id);
  EXPECT_EQ(weft::cloudrun::job_for(a_task(), config()).id.rfind("weft-", 0), 0u);
}

TEST(JobTemplate, ATaskCloudRunCannotRunIsRefused) {
  auto no_image = a_task();
  no_image.command->image.clear();
  EXPECT_THROW(weft::cloudrun::job_for(no_image, config()), std::invalid_argument);
  auto gpus = a_task();
  gpus.resources.gpus = 1;
  EXPECT_THROW(weft::cloudrun::job_for(gpus, config()), std::invalid_argument);
  auto empty = a_task();
  empty.command->argv.clear();
  EXPECT_THROW(weft::cloudrun::job_for(empty, config()), std::invalid_argument);
}

json entry(const std::string& stream, const std::string& text) {
  return {{"logName", "projects/p/logs/run.googleapis.com%2F" + stream}, {"textPayload", text}};
}

TEST(TaskLogs, TheResultLineGivesExitCodeAndOutputAndLeavesStdout) {
  // base64 of {"a":1}
  const auto logs =
      weft::cloudrun::logs_of({entry("stdout", "one"), entry("stderr", "oops"), entry("stdout", ""),
                               entry("stdout", R"(weft-result: {"exit_code":3,"output":"eyJhIjoxfQ=="})")});
  EXPECT_EQ(logs.stdout_text, "one\n");
  EXPECT_EQ(logs.stderr_text, "oops\n");
  EXPECT_EQ(logs.exit_code, 3);
  const auto outcome = weft::cloudrun::outcome_of(
      json::parse(R"({"name": "projects/p/locations/l/jobs/j/executions/j-1", "failedCount": 1,
        "conditions": [{"type": "Completed", "message": "exit code 3", "executionReason": "NON_ZERO_EXIT_CODE"}]})"),
      logs);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.output_json, R"({"a":1})");
  EXPECT_EQ(outcome.error, "cloud run execution j-1 failed: exit code 3");
}

TEST(TaskLogs, OutputThatDidNotEndItsLineKeepsItAndBadOutputIsAnError) {
  // base64 of "not json"
  const auto logs =
      weft::cloudrun::logs_of({entry("stdout", R"(partialweft-result: {"exit_code":0,"output":"bm90IGpzb24="})")});
  EXPECT_EQ(logs.stdout_text, "partial\n");
  const auto outcome = weft::cloudrun::outcome_of(json::parse(R"({"succeededCount": 1})"), logs);
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.output_json, "");
  EXPECT_NE(outcome.error.find("not JSON"), std::string::npos);
}

TEST(TaskLogs, ACancelledExecutionWithoutAResultLineFails) {
  const auto outcome = weft::cloudrun::outcome_of(json::parse(R"({"name": "x/executions/e", "cancelledCount": 1,
        "conditions": [{"type": "Completed", "message": "The execution was cancelled."}]})"),
                                                  weft::cloudrun::logs_of({}));
  EXPECT_NE(outcome.exit_code, 0);
  EXPECT_EQ(outcome.error, "cloud run execution e was cancelled: The execution was cancelled.");
  EXPECT_FALSE(weft::cloudrun::exits_by_itself(json::parse(R"({"cancelledCount": 1})")));
}

TEST(CloudRunConfig, BadKeysAreRefusedByName) {
  const json base = {{"project", "my-project"}, {"region", "europe-west1"}};
  auto with = [&](const char* key, const json& value) {
    auto c = base;
    c[key] = value;
    return c;
  };
  EXPECT_THROW(CloudRunConfig::parse(with("nope", 1)), std::invalid_argument);
  EXPECT_THROW(CloudRunConfig::parse({{"region", "europe-west1"}}), std::invalid_argument);
  EXPECT_THROW(CloudRunConfig::parse(with("project", "Not A Project")), std::invalid_argument);
  EXPECT_THROW(CloudRunConfig::parse(with("region", "mars")), std::invalid_argument);
  EXPECT_THROW(CloudRunConfig::parse(with("run_endpoint", "ftp://x")), std::invalid_argument);
  EXPECT_THROW(CloudRunConfig::parse(with("poll_interval_s", 0)), std::invalid_argument);
  auto both = with("credentials_file", "/k.json");
  both["metadata_server"] = "http://m";
  EXPECT_THROW(CloudRunConfig::parse(both), std::invalid_argument);
}

TEST(CloudRunConfig, TheShippedExampleIsAccepted) {
  std::ifstream in(WEFT_SOURCE_DIR "/etc/examples/weftd-cloudrun.json");
  const auto example = json::parse(in);
  const auto config = CloudRunConfig::parse(example.at("executors").at("cloudrun"));
  EXPECT_EQ(config.region, "europe-west1");
  EXPECT_EQ(config.default_timeout, std::chrono::hours(1));
}

}  // namespace
