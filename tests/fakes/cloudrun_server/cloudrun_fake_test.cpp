// The fake of Cloud Run and Cloud Logging on its own, through plain HTTPS
// requests: tokens are required, bodies that do not conform to the protos
// are refused and recorded, and a job run plays out as the API says, its
// replies conforming to the protos too.
#include "cloudrun_fake.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>

#include "https_session.hpp"
#include "proto_schema.hpp"

namespace {

using nlohmann::json;
using weft::fakes::CloudRunFake;

class CloudRunFakeTest : public ::testing::Test {
 protected:
  static std::filesystem::path make_dir() {
    std::string dir = (std::filesystem::temp_directory_path() / "weft-cloudrun-fake-test-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("cannot make a directory");
    return dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  weft::https::HttpReply send(const std::string& method, const std::string& path, const json& body = nullptr,
                              bool with_token = true) {
    weft::https::Headers headers;
    if (with_token) headers.emplace_back("Authorization", "Bearer " + token_);
    return session_.send(method, path, body.is_null() ? "" : body.dump(), headers);
  }
  std::string token() {
    const auto reply = session_.send("GET", "/computeMetadata/v1/instance/service-accounts/default/token", "",
                                     {{"Metadata-Flavor", "Google"}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return json::parse(reply.body)["access_token"];
  }
  std::vector<std::string> problems(const std::string& body, const std::string& message) const {
    static const weft::fakes::SwaggerSchema schema(
        weft::fakes::proto_definitions_in(WEFT_SOURCE_DIR "/tests/fakes/cloudrun_server/proto"));
    return schema.problems(json::parse(body), message);
  }

  std::filesystem::path dir_ = make_dir();
  CloudRunFake fake_{{.dir = dir_}};
  weft::https::HttpsSession session_{fake_.url(), {.ca_file = fake_.ca_file().string()}};
  std::string token_ = token();
  const std::string location_ = "/v2/projects/weft-tests/locations/europe-west1";
};

TEST_F(CloudRunFakeTest, RequestsNeedALiveTokenAndTheMetadataServerItsHeader) {
  EXPECT_EQ(send("GET", location_ + "/jobs/j", nullptr, false).status, 401);
  EXPECT_EQ(session_.send("GET", "/computeMetadata/v1/instance/service-accounts/default/token", "", {}).status, 403);
  EXPECT_EQ(send("GET", location_ + "/jobs/j").status, 404);
  fake_.auth().revoke_all();
  EXPECT_EQ(send("GET", location_ + "/jobs/j").status, 401);
}

TEST_F(CloudRunFakeTest, ABodyThatDoesNotConformIsRefusedAndRecorded) {
  const json job = {{"template", {{"template", {{"containers", {{{"image", "x"}, {"comand", {"sh"}}}}}}}}}};
  const auto reply = send("POST", location_ + "/jobs?jobId=bad", job);
  EXPECT_EQ(reply.status, 400) << reply.body;
  ASSERT_EQ(fake_.violations().size(), 1u);
  EXPECT_NE(fake_.violations()[0].find("comand"), std::string::npos) << fake_.violations()[0];
  EXPECT_EQ(send("GET", "/v2/projects/weft-tests/things").status, 404);
  EXPECT_EQ(fake_.violations().size(), 2u) << "a path the protos do not have is a violation too";
}

TEST_F(CloudRunFakeTest, AJobRunPlaysOutAsTheApiSays) {
  const json job = {
      {"template",
       {{"template", {{"containers", {{{"name", "main"}, {"image", "debian"}, {"command", {"/bin/sh", "-c"}}}}}}}}}};
  const auto created = send("POST", location_ + "/jobs?jobId=demo", job);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(problems(created.body, "google.longrunning.Operation"), std::vector<std::string>{});
  EXPECT_EQ(send("POST", location_ + "/jobs?jobId=demo", job).status, 409);

  const json run = {{"overrides",
                     {{"containerOverrides",
                       {{{"name", "main"},
                         {"args", {"echo out; echo err >&2; exit 2"}},
                         {"env", {{{"name", "A"}, {"value", "1"}}}}}}},
                      {"timeout", "30s"}}}};
  const auto ran = send("POST", location_ + "/jobs/demo:run", run);
  ASSERT_EQ(ran.status, 200) << ran.body;
  EXPECT_EQ(problems(ran.body, "google.longrunning.Operation"), std::vector<std::string>{});
  const std::string execution = json::parse(ran.body)["metadata"]["name"];
  const std::string operation = json::parse(ran.body)["name"];

  json listed;
  for (int i = 0; i < 100; ++i) {
    listed = json::parse(send("GET", location_ + "/jobs/demo/executions").body);
    if (listed["executions"][0].contains("completionTime")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(problems(listed.dump(), "google.cloud.run.v2.ListExecutionsResponse"), std::vector<std::string>{});
  const json& e = listed["executions"][0];
  EXPECT_EQ(e["name"], execution);
  EXPECT_EQ(e["failedCount"], 1);
  EXPECT_EQ(e["template"]["containers"][0]["env"][0]["name"], "A") << "the execution's template has the overrides";
  const auto op = json::parse(send("GET", "/v2/" + operation).body);
  EXPECT_TRUE(op["done"].get<bool>());
  EXPECT_EQ(send("POST", "/v2/" + execution + ":cancel", json::object()).status, 400) << "it has ended";

  const std::string short_name = execution.substr(execution.rfind('/') + 1);
  const json query = {{"resourceNames", {"projects/weft-tests"}},
                      {"filter", "resource.type=\"cloud_run_job\" AND labels.\"run.googleapis.com/execution_name\"=\"" +
                                     short_name + "\""}};
  const auto entries = send("POST", "/v2/entries:list", query);
  ASSERT_EQ(entries.status, 200) << entries.body;
  EXPECT_EQ(problems(entries.body, "google.logging.v2.ListLogEntriesResponse"), std::vector<std::string>{});
  std::map<std::string, std::string> by_log;
  const json page = json::parse(entries.body);
  for (const auto& entry : page["entries"]) {
    by_log[entry["logName"].get<std::string>()] += entry["textPayload"].get<std::string>();
  }
  EXPECT_EQ(by_log["projects/weft-tests/logs/run.googleapis.com%2Fstdout"], "out");
  EXPECT_EQ(by_log["projects/weft-tests/logs/run.googleapis.com%2Fstderr"], "err");
  EXPECT_EQ(
      send("POST", "/v2/entries:list", {{"resourceNames", {"projects/weft-tests"}}, {"filter", "textPayload:out"}})
          .status,
      400);
  EXPECT_EQ(fake_.violations(), std::vector<std::string>{});
}

}  // namespace
