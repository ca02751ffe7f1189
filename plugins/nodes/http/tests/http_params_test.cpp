// The http node type's params as weftd checks them when a workflow is
// stored (templates may still stand for values), and its config: through
// the loaded plugin's C vtable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>
#include <weft/sdk/testing/node_under_test.hpp>

namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;

constexpr const char* kUrl = "https://api.example.com/v1/items";

class HttpParamsTest : public ::testing::Test {
 protected:
  HttpParamsTest() { ::setenv("WEFT_HTTP_PARAMS_TEST_TOKEN", "t0ken", 1); }

  std::vector<std::pair<std::string, std::string>> problems_with(json params) {
    if (!params.contains("url")) params["url"] = kUrl;
    const NodeUnderTest node(plugin_, "http", host_,
                             R"({"secrets": {"token": {"env": "WEFT_HTTP_PARAMS_TEST_TOKEN"}}})");
    return node.problems_with(params);
  }
  // The message of the one problem params have, at pointer.
  std::string problem_at(const json& params, const std::string& pointer) {
    const auto problems = problems_with(params);
    EXPECT_EQ(problems.size(), 1U) << json(problems).dump();
    if (problems.size() != 1 || problems[0].first != pointer) {
      ADD_FAILURE() << "expected one problem at " << pointer << ", got " << json(problems).dump();
      return "";
    }
    return problems[0].second;
  }
  std::string refusal_of_config(const std::string& config) {
    try {
      const NodeUnderTest node(plugin_, "http", host_, config);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "the config was taken: " << config;
    return "";
  }

  FakeHost host_;
  LoadedPlugin plugin_{WEFT_PLUGIN_FILE};
};

TEST_F(HttpParamsTest, AFullRequestHasNoProblem) {
  EXPECT_THAT(problems_with({{"method", "POST"},
                             {"headers", {{"Accept", "application/json"}}},
                             {"secret_headers", {{"Authorization", "Bearer ${token}"}}},
                             {"json", {{"name", "x"}}},
                             {"expected_status", {201, "2xx", 409}},
                             {"timeout_s", 2.5},
                             {"verify_tls", true},
                             {"ca_file", "/etc/ssl/certs/ca.pem"}}),
              IsEmpty());
}

TEST_F(HttpParamsTest, TemplatesAreCheckedOnlyOnceRendered) {
  EXPECT_THAT(problems_with({{"url", "https://{{ params.host }}/items/{{ params.id }}"},
                             {"method", "{{ params.method }}"},
                             {"timeout_s", "{{ params.timeout }}"},
                             {"headers", {{"X-Run", "{{ run.id }}"}}},
                             {"expected_status", "{{ params.codes }}"},
                             {"json", "{{ nodes.a.output }}"}}),
              IsEmpty());
}

TEST_F(HttpParamsTest, EachBadParamIsAProblemNamingIt) {
  EXPECT_EQ(problem_at({{"method", "FETCH"}}, "/method"), "must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS");
  EXPECT_EQ(problem_at({{"url", "ftp://example.com/x"}}, "/url"), "must start with http:// or https://");
  EXPECT_EQ(problem_at({{"url", "example.com/x"}}, "/url"), "must start with http:// or https://");
  EXPECT_THAT(problem_at({{"url", "https://user:pw@example.com/"}}, "/url"), HasSubstr("must not hold credentials"));
  EXPECT_EQ(problem_at({{"timeout_s", -1}}, "/timeout_s"),
            "must be a number of seconds, more than 0 and at most 86400");
  EXPECT_EQ(problem_at({{"timeout_s", 0}}, "/timeout_s"), "must be a number of seconds, more than 0 and at most 86400");
  EXPECT_EQ(problem_at({{"expected_status", json::array()}}, "/expected_status"),
            "must be a non-empty array of status codes (200) or classes (\"2xx\")");
  EXPECT_EQ(problem_at({{"expected_status", {200, 600}}}, "/expected_status/1"),
            "must be a status code 100-599 or a class \"1xx\"-\"5xx\"");
  EXPECT_EQ(problem_at({{"expected_status", {"2XX"}}}, "/expected_status/0"),
            "must be a status code 100-599 or a class \"1xx\"-\"5xx\"");
  EXPECT_EQ(problem_at({{"verify_tls", "no"}}, "/verify_tls"), "must be true or false");
  EXPECT_EQ(problem_at({{"ca_file", ""}}, "/ca_file"), "must be the path of a PEM file of CA certificates");
  EXPECT_EQ(problem_at({{"body", {{"a", 1}}}}, "/body"), "must be a string (for a JSON body, use json)");
  EXPECT_EQ(problem_at({{"json", 1}, {"body", "x"}}, "/body"), "give json or body, not both");
  EXPECT_THAT(problem_at({{"verb", "GET"}}, "/verb"), HasSubstr("is not a param of http nodes"));
  EXPECT_THAT(problems_with({{"url", nullptr}}), ElementsAre(Pair("/url", HasSubstr("must be a string"))));
  EXPECT_THAT(NodeUnderTest(plugin_, "http", host_).problems_with({{"method", "GET"}}),
              ElementsAre(Pair("/url", "is required: http://… or https://…")));
}

TEST_F(HttpParamsTest, HeadersMustBeStringsWithoutLineBreaksOrFraming) {
  EXPECT_EQ(problem_at({{"headers", {{"X-Id", 7}}}}, "/headers/X-Id"), "must be a string");
  EXPECT_EQ(problem_at({{"headers", {{"X-Id", "a\r\nHost: evil"}}}}, "/headers/X-Id"), "must not hold a line break");
  EXPECT_EQ(problem_at({{"headers", {{"Bad Name", "x"}}}}, "/headers/Bad Name"), "is not a header name");
  EXPECT_EQ(problem_at({{"headers", {{"Content-Length", "3"}}}}, "/headers/Content-Length"),
            "is set by the node itself");
  EXPECT_EQ(problem_at({{"headers", "Accept: x"}}, "/headers"), "must be an object of header names to string values");
}

TEST_F(HttpParamsTest, SecretsAreNamedOnlyInSecretHeadersAndMustBeDeclared) {
  EXPECT_EQ(problem_at({{"secret_headers", {{"Authorization", "Bearer ${nope}"}}}}, "/secret_headers/Authorization"),
            "refers to secret 'nope', which the http plugin's config does not declare (it has token)");
  EXPECT_EQ(problem_at({{"secret_headers", {{"Authorization", "Bearer ${token"}}}}, "/secret_headers/Authorization"),
            "has a \"${\" without a secret's name and \"}\"");
  EXPECT_EQ(problem_at({{"headers", {{"Authorization", "Bearer ${token}"}}}}, "/headers/Authorization"),
            "holds ${…}: secrets are filled only in secret_headers");
  EXPECT_EQ(problem_at({{"headers", {{"authorization", "x"}}}, {"secret_headers", {{"Authorization", "${token}"}}}},
                       "/secret_headers/Authorization"),
            "is given twice (in headers and secret_headers)");
}

TEST_F(HttpParamsTest, ParamsThatAreNoObjectAreOneProblem) {
  EXPECT_THAT(NodeUnderTest(plugin_, "http", host_).problems_with(json::array()),
              ElementsAre(Pair("", "must be an object")));
}

TEST_F(HttpParamsTest, ABadConfigIsRefusedWhenTheNodeTypeIsCreated) {
  EXPECT_THAT(refusal_of_config(R"({"secrets": {"t": {"env": "WEFT_HTTP_TEST_UNSET_VARIABLE"}}})"),
              HasSubstr("secret 't': environment variable WEFT_HTTP_TEST_UNSET_VARIABLE is not set"));
  EXPECT_THAT(refusal_of_config(R"({"secrets": {"t": {"file": "/nonexistent/token"}}})"),
              HasSubstr("secret 't': cannot read /nonexistent/token"));
  EXPECT_THAT(refusal_of_config(R"({"secrets": {"t": "API_TOKEN"}})"),
              HasSubstr(R"(secrets.t must be {"env": "VARIABLE"} or {"file": "/path"})"));
  EXPECT_THAT(refusal_of_config(R"({"workers": 0})"), HasSubstr("workers must be an integer from 1 to 64"));
  EXPECT_THAT(refusal_of_config(R"({"timeout": 3})"), HasSubstr("unknown key 'timeout'"));
}

}  // namespace
