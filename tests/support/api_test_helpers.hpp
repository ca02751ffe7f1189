// Test support for the end-to-end API suites: one weftd shared by the tests of
// a test program, small workflow documents, and a check of the error body that
// docs/api.md promises. Header-only so that it needs no change to the support
// library's build.
#pragma once

#include "weftd_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace weft::test {

// The shared weftd refuses request bodies larger than this.
constexpr size_t kSharedBodyLimit = 16 * 1024;

// One weftd for every test of this program that needs nothing of its own,
// stopped when the program exits: starting a daemon per test is slow here.
// Tests keep out of each other's way by naming workflows after themselves.
inline const WeftdProcess& shared_weftd() {
  static WeftdProcess weftd([] {
    WeftdOptions options;
    options.config = {{"limits", {{"max_body_bytes", kSharedBodyLimit}}}};
    return options;
  }());
  return weftd;
}

// The running test's name as a workflow name ("Suite.NamesItself" ->
// "suite.namesitself"), short enough to take a suffix such as "-other".
inline std::string test_workflow_name() {
  constexpr size_t kRoomForASuffix = 8;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name.substr(0, 63 - kRoomForASuffix);
}

// A workflow whose one node, "main", runs `sh -c script` with the process executor.
inline nlohmann::json shell_workflow(const std::string& name, const std::string& script,
                                     const nlohmann::json& params = nlohmann::json::object()) {
  return {{"name", name},
          {"params", params},
          {"nodes", {{{"id", "main"}, {"type", "command"}, {"params", {{"argv", {"sh", "-c", script}}}}}}}};
}

// Whether `response` is the error of docs/api.md: `status`, a JSON body
// {"error":{"code","message","details":[{"path","message"}]}} with `code`, a
// message, and, unless `detail_path` is null, a detail at that JSON pointer.
inline ::testing::AssertionResult is_api_error(const HttpResponse& response, int status, const std::string& code,
                                               const char* detail_path = nullptr) {
  const auto failure = [&](const std::string& why) {
    return ::testing::AssertionFailure() << why << "; the answer was " << response.status << " " << response.body;
  };
  if (response.status != status) return failure("expected status " + std::to_string(status));
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return failure("no error object");
  const auto& error = body["error"];
  if (error.value("code", "") != code) return failure("expected code '" + code + "'");
  if (!error.contains("message") || !error["message"].is_string() || error["message"].get<std::string>().empty()) {
    return failure("no message");
  }
  if (!error.contains("details") || !error["details"].is_array()) return failure("no details array");
  for (const auto& detail : error["details"]) {
    if (!detail.is_object() || !detail.contains("path") || !detail["path"].is_string() || !detail.contains("message") ||
        !detail["message"].is_string()) {
      return failure("a detail without a string path and message");
    }
  }
  if (detail_path == nullptr) return ::testing::AssertionSuccess();
  for (const auto& detail : error["details"]) {
    if (detail["path"] == detail_path) return ::testing::AssertionSuccess();
  }
  return failure(std::string("no detail at '") + detail_path + "'");
}

// The message of the detail at `path` in an error body, or "" when there is none.
inline std::string detail_message(const HttpResponse& response, const std::string& path) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("error")) return "";
  for (const auto& detail : body["error"].value("details", nlohmann::json::array())) {
    if (detail.value("path", "") == path) return detail.value("message", "");
  }
  return "";
}

// How many runs the daemon has, of all workflows.
inline size_t run_count(const HttpClient& client) {
  const auto response = client.get("/api/v1/runs?limit=1000");
  EXPECT_EQ(response.status, 200) << response.body;
  return response.json().value("items", nlohmann::json::array()).size();
}

}  // namespace weft::test
