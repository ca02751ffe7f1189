// What a task becomes in Argo and what a workflow's status means for it.
#include "workflow_manifest.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "swagger_schema.hpp"
#include "testing/remote_executor_test.hpp"

namespace {

using nlohmann::json;
using weft::argo::ArgoConfig;

weft::sdk::TaskSpec a_task() { return weft::remote::testing::task_with_every_field(); }

ArgoConfig config() { return ArgoConfig::parse({{"server", "https://argo:2746"}, {"namespace", "ns"}}); }

TEST(WorkflowManifest, ATaskBecomesAConformingWorkflowOfOneContainer) {
  const json request = weft::argo::create_request(a_task(), config());
  const auto schema = weft::fakes::SwaggerSchema::load(WEFT_SOURCE_DIR "/tests/fakes/argo_server/swagger.json");
  EXPECT_EQ(schema.problems(request, "io.argoproj.workflow.v1alpha1.WorkflowCreateRequest"),
            std::vector<std::string>{});
  const json& tmpl = request["workflow"]["spec"]["templates"][0];
  const json& c = tmpl["container"];
  EXPECT_EQ(c["image"], "python:3.11");
  EXPECT_EQ(c["command"], json({"python3"}));
  EXPECT_EQ(c["args"], json({"-c", "print(1)"}));
  EXPECT_EQ(c["workingDir"], "/work");
  EXPECT_EQ(c["resources"]["limits"], json({{"cpu", "1500m"}, {"memory", "512Mi"}, {"nvidia.com/gpu", "1"}}));
  EXPECT_EQ(tmpl["activeDeadlineSeconds"], "10");
  const json& labels = request["workflow"]["metadata"]["labels"];
  EXPECT_EQ(labels["weft.io/run-id"], "run-1");
  EXPECT_EQ(labels["weft.io/attempt"], "3");
  EXPECT_EQ(request["workflow"]["metadata"]["name"], weft::argo::workflow_name("run 1/build[2]#3"));
}

TEST(WorkflowManifest, ACommandWithoutAnImageNeedsADefaultImage) {
  auto t = a_task();
  t.command->image.clear();
  EXPECT_THROW(weft::argo::create_request(t, config()), std::invalid_argument);
  auto with_default = config();
  with_default.default_image = "busybox";
  EXPECT_EQ(weft::argo::create_request(t, with_default)["workflow"]["spec"]["templates"][0]["container"]["image"],
            "busybox");
}

TEST(WorkflowManifest, LabelValuesFollowKubernetesRules) {
  EXPECT_EQ(weft::argo::label_value("-a b/c-"), "a-b-c");
  EXPECT_EQ(weft::argo::label_value(std::string(100, 'x')).size(), 63u);
}

TEST(WorkflowManifest, OutcomesComeFromThePhaseThePodNodeAndItsOutputs) {
  EXPECT_FALSE(weft::argo::outcome_of(json::parse(R"({"status": {"phase": "Running"}})")));
  const auto failed = weft::argo::outcome_of(json::parse(R"j({"metadata": {"name": "w"}, "status": {
      "phase": "Failed", "message": "Error (exit code 3)", "nodes": {"w": {"type": "Pod",
      "outputs": {"exitCode": "3", "parameters": [{"name": "weft-output", "value": "{\"a\":1}"}]}}}}})j"));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->exit_code, 3);
  EXPECT_EQ(failed->output_json, R"({"a":1})");
  EXPECT_EQ(failed->error, "argo workflow w Failed: Error (exit code 3)");
  const auto errored = weft::argo::outcome_of(json::parse(R"({"status": {"phase": "Error"}})"));
  EXPECT_NE(errored->exit_code, 0);
  const auto bad_output = weft::argo::outcome_of(json::parse(R"({"status": {"phase": "Succeeded", "nodes": {
      "w": {"type": "Pod", "outputs": {"parameters": [{"name": "weft-output", "value": "not json"}]}}}}})"));
  EXPECT_EQ(bad_output->output_json, "");
  EXPECT_NE(bad_output->error.find("not JSON"), std::string::npos);
}

TEST(ArgoConfig, BadKeysAreRefusedByName) {
  EXPECT_THROW(ArgoConfig::parse({{"server", "https://x"}, {"nope", 1}}), std::invalid_argument);
  EXPECT_THROW(ArgoConfig::parse({{"server", "ftp://x"}}), std::invalid_argument);
  EXPECT_THROW(ArgoConfig::parse({{"server", "https://x"}, {"cancel", "kill"}}), std::invalid_argument);
  EXPECT_THROW(ArgoConfig::parse({{"server", "https://x"}, {"poll_interval_s", 0}}), std::invalid_argument);
}

TEST(ArgoConfig, TheShippedExampleIsAccepted) {
  std::ifstream in(WEFT_SOURCE_DIR "/etc/weftd-argo.json");
  const auto example = json::parse(in);
  const auto config = ArgoConfig::parse(example.at("executors").at("argo"));
  EXPECT_EQ(config.nspace, "weft-tasks");
  EXPECT_TRUE(config.delete_after_finish);
}

}  // namespace
