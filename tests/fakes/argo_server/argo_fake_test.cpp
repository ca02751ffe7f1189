// The fake argo-server holds what it is sent to the swagger document: a body
// that does not conform, or a route the document does not have, is refused
// and recorded as a violation; tokens and injected faults are answered as
// argo-server answers them.
#include "argo_fake.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>

namespace {

using nlohmann::json;

struct Reply {
  int status = 0;
  json body;
};

class ArgoFakeTest : public ::testing::Test {
 protected:
  static std::filesystem::path make_dir() {
    std::string dir = (std::filesystem::temp_directory_path() / "weft-argo-fake-test-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("cannot make a directory");
    return dir;
  }
  ~ArgoFakeTest() override { std::filesystem::remove_all(dir_); }

  Reply send(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& token = "t0ken") {
    Poco::Net::Context::Params params;
    params.caLocation = fake_.ca_file().string();
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    const Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    Poco::Net::HTTPSClientSession session("localhost", Poco::URI(fake_.url()).getPort(), context);
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) request.set("Authorization", "Bearer " + token);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
    return {static_cast<int>(response.getStatus()), json::parse(text, nullptr, false)};
  }

  std::filesystem::path dir_ = make_dir();
  weft::fakes::ArgoFake fake_{{.dir = dir_, .token = "t0ken"}};
};

TEST_F(ArgoFakeTest, ABodyThatDoesNotConformIsRefusedAndRecorded) {
  // activeDeadlineSeconds is an IntOrString, which the document types as a string.
  const json body = json::parse(R"({"namespace": "ns", "workflow": {"metadata": {"name": "w"},
      "spec": {"entrypoint": "main", "templates": [{"name": "main", "activeDeadlineSeconds": 5,
                                                    "container": {"image": "x"}}]}}})");
  const Reply reply = send("POST", "/api/v1/workflows/ns", body.dump());
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["code"], 3);
  ASSERT_EQ(fake_.violations().size(), 1u);
  EXPECT_NE(fake_.violations()[0].find("/workflow/spec/templates/0/activeDeadlineSeconds"), std::string::npos)
      << fake_.violations()[0];
}

TEST_F(ArgoFakeTest, ARouteTheDocumentDoesNotHaveIsRecorded) {
  EXPECT_EQ(send("GET", "/api/v1/workflow/ns").status, 404);
  EXPECT_EQ(fake_.violations().size(), 1u);
}

TEST_F(ArgoFakeTest, AWorkflowRunsToItsEndAndIsServedAsArgoServesIt) {
  const json body = json::parse(R"({"namespace": "ns", "workflow": {
      "metadata": {"name": "w1", "labels": {"team": "a"}},
      "spec": {"entrypoint": "main", "templates": [{"name": "main",
        "container": {"image": "x", "command": ["/bin/sh", "-c", "echo hi; exit 4"]}}]}}})");
  ASSERT_EQ(send("POST", "/api/v1/workflows/ns", body.dump()).status, 200);
  EXPECT_EQ(send("POST", "/api/v1/workflows/ns", body.dump()).status, 409);
  Reply got{0, json::object()};
  for (int i = 0; i < 500 && got.body.value("status", json::object()).value("phase", "") != "Failed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    got = send("GET", "/api/v1/workflows/ns/w1");
  }
  EXPECT_EQ(got.body["status"]["message"], "Error (exit code 4)");
  EXPECT_EQ(got.body["status"]["nodes"]["w1"]["outputs"]["exitCode"], "4");
  EXPECT_EQ(send("GET", "/api/v1/workflows/ns?listOptions.labelSelector=team%3Da").body["items"].size(), 1u);
  EXPECT_EQ(send("GET", "/api/v1/workflows/ns?listOptions.labelSelector=team%21%3Da").body["items"].size(), 0u);
  EXPECT_EQ(send("DELETE", "/api/v1/workflows/ns/w1").status, 200);
  EXPECT_EQ(send("GET", "/api/v1/workflows/ns/w1").status, 404);
  EXPECT_TRUE(fake_.violations().empty());
}

TEST_F(ArgoFakeTest, TokensAndInjectedFaultsAreAnsweredWithGrpcGatewayErrors) {
  const Reply unauthenticated = send("GET", "/api/v1/workflows/ns", "", "wrong");
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_EQ(unauthenticated.body["code"], 16);
  fake_.server().fail_next(1, 503);
  const Reply unavailable = send("GET", "/api/v1/workflows/ns");
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(unavailable.body["code"], 14);
  EXPECT_EQ(send("GET", "/api/v1/workflows/ns").status, 200);
}

}  // namespace
