// A template inside a `sh -c` script string is shell code: storing or
// validating such a document answers with a warning at the string, which the
// CLI prints; the argv form and `| shell_quote` get none.
#include "api_test_helpers.hpp"
#include "child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class ShellScriptWarning : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  const std::string name = test_workflow_name();

  json document(const json& argv) const {
    return {{"name", name},
            {"params", {{"x", ""}}},
            {"nodes", {{{"id", "main"}, {"type", "command"}, {"params", {{"argv", argv}}}}}}};
  }
  json stored_warnings(const json& argv) const {
    const auto response = client.put("/api/v1/workflows/" + name, document(argv));
    EXPECT_EQ(response.status, 201) << response.body;
    return response.json()["warnings"];
  }
};

TEST_F(ShellScriptWarning, ATemplateInsideAShellScriptIsWarnedAboutAtItsString) {
  const auto warnings = stored_warnings({"sh", "-c", "echo {{ params.x }}"});
  ASSERT_EQ(warnings.size(), 1U) << warnings;
  EXPECT_EQ(warnings[0]["path"], "/nodes/0/params/argv/2");
  EXPECT_THAT(warnings[0]["message"].get<std::string>(), HasSubstr("{{ params.x }}"));
  EXPECT_THAT(warnings[0]["message"].get<std::string>(), HasSubstr("shell_quote"));
}

TEST_F(ShellScriptWarning, TheArgvFormAndShellQuoteAreNotWarnedAbout) {
  EXPECT_EQ(stored_warnings({"echo", "{{ params.x }}"}), json::array());
  EXPECT_EQ(stored_warnings({"sh", "-c", "echo {{ params.x | shell_quote }}"}), json::array());
  EXPECT_EQ(stored_warnings({"sh", "-c", "echo \"$1\"", "sh", "{{ params.x }}"}), json::array());
}

TEST_F(ShellScriptWarning, ValidateReportsTheWarningOfAValidDocument) {
  const auto report = client.post("/api/v1/workflows/validate", document({"bash", "-ec", "ls {{ params.x }}"})).json();
  EXPECT_EQ(report["valid"], true);
  ASSERT_EQ(report["warnings"].size(), 1U) << report;
  EXPECT_EQ(report["warnings"][0]["path"], "/nodes/0/params/argv/2");
}

TEST_F(ShellScriptWarning, TheCliPrintsTheWarningWhenItStoresTheDocument) {
  const TempDir files;
  const auto file = files.path() / "workflow.json";
  std::ofstream(file) << document({"sh", "-c", "echo {{ params.x }}"}).dump();
  const auto result = run_weft(weftd, {"apply", "-f", file.string()});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr("stored"));
  EXPECT_THAT(result.err, HasSubstr("warning"));
  EXPECT_THAT(result.err, HasSubstr("/nodes/0/params/argv/2"));
}

}  // namespace
}  // namespace weft::test
