// The real `weft` binary against a real weftd: what a user types and sees,
// and the exit codes scripts depend on (0 success, 1 failure, 2 bad usage).
#include "api_test_helpers.hpp"
#include "child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class Cli : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  const std::string name = test_workflow_name();
  TempDir files;

  ProcessResult weft(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) const {
    return run_weft(weftd, args, env);
  }

  std::string write_file(const std::string& file_name, const std::string& text) const {
    const auto path = files.path() / file_name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::string write_document(const json& document) const { return write_file("workflow.json", document.dump(2)); }

  // A finished run of a workflow whose one task runs `script`.
  std::string finished_run(const std::string& script) const {
    weftd.apply(shell_workflow(name, script));
    auto run_id = weftd.start_run(name);
    weftd.wait_run(run_id);
    return run_id;
  }
};

json parsed(const ProcessResult& result) {
  auto value = json::parse(result.out, nullptr, false);
  EXPECT_FALSE(value.is_discarded()) << "not JSON: " << result.out;
  return value;
}

TEST_F(Cli, ApplyStoresAWorkflowAndSaysWhetherItChanged) {
  const auto file = write_document(shell_workflow(name, "true"));
  const auto first = weft({"apply", "-f", file});
  EXPECT_EQ(first.exit_code, 0) << first.output();
  EXPECT_THAT(first.out, HasSubstr("stored"));
  EXPECT_THAT(first.out, HasSubstr(name));

  const auto again = weft({"apply", "-f", file});
  EXPECT_EQ(again.exit_code, 0) << again.output();
  EXPECT_THAT(again.out, HasSubstr("unchanged"));
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 200);
}

TEST_F(Cli, ApplyOfAnInvalidDocumentFailsListingTheProblems) {
  auto document = shell_workflow(name, "true");
  document["nodes"][0]["depends_on"] = {"lst"};
  const auto result = weft({"apply", "-f", write_document(document)});
  EXPECT_EQ(result.exit_code, 1) << result.output();
  EXPECT_THAT(result.err, HasSubstr("/nodes/0/depends_on/0"));
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
}

TEST_F(Cli, ValidateAcceptsAValidDocument) {
  const auto result = weft({"validate", write_document(shell_workflow(name, "true"))});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr("valid"));
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
}

TEST_F(Cli, ValidateListsEveryProblemOfAnInvalidDocument) {
  auto document = shell_workflow(name, "true");
  document["nodes"][0]["depends_on"] = {"lst"};
  document["nodez"] = json::array();
  const auto result = weft({"validate", write_document(document)});
  EXPECT_EQ(result.exit_code, 1) << result.output();
  EXPECT_THAT(result.err, HasSubstr("/nodes/0/depends_on/0"));
  EXPECT_THAT(result.err, HasSubstr("unknown node 'lst'"));
  EXPECT_THAT(result.err, HasSubstr("/nodez"));
}

TEST_F(Cli, ValidateOfAFileThatIsNotJsonSaysWhere) {
  const auto result = weft({"validate", write_file("broken.json", "{\"name\": ")});
  EXPECT_EQ(result.exit_code, 1) << result.output();
  EXPECT_THAT(result.err, HasSubstr("broken.json"));
  EXPECT_THAT(result.err, HasSubstr("line 1"));
}

TEST_F(Cli, WorkflowsListsTheStoredWorkflows) {
  weftd.apply(shell_workflow(name, "true"));
  const auto result = weft({"workflows"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr(name));
}

TEST_F(Cli, RunWaitShowsProgressAndExitsZeroWhenTheRunSucceeds) {
  weftd.apply(shell_workflow(name, "true"));
  const auto result = weft({"run", name, "--wait"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr("tasks 1/1"));
  EXPECT_THAT(result.out, HasSubstr("succeeded"));
}

TEST_F(Cli, RunWaitExitsOneAndNamesTheFailedTaskWhenTheRunFails) {
  weftd.apply(shell_workflow(name, "echo broken >&2; exit 7"));
  const auto result = weft({"run", name, "--wait"});
  EXPECT_EQ(result.exit_code, 1) << result.output();
  EXPECT_THAT(result.out, HasSubstr("failed"));
  EXPECT_THAT(result.err, HasSubstr("main"));
  EXPECT_THAT(result.err, HasSubstr("7"));
}

TEST_F(Cli, RunParamOverridesTheWorkflowsParam) {
  auto document = shell_workflow(name, "echo \"\\\"$0\\\"\" > \"$WEFT_OUTPUT\"", {{"word", "loom"}});
  document["nodes"][0]["params"]["argv"].push_back("{{ params.word }}");
  weftd.apply(document);
  const auto result = weft({"-o", "json", "run", name, "-p", "word=shuttle", "--wait"});
  ASSERT_EQ(result.exit_code, 0) << result.output();
  const auto run = parsed(result);
  EXPECT_EQ(run["params"], json({{"word", "shuttle"}}));
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["main"], "shuttle");
}

TEST_F(Cli, RunOfAnUnknownParamFailsWithoutARun) {
  weftd.apply(shell_workflow(name, "true", {{"word", "loom"}}));
  const size_t runs_before = run_count(client);
  const auto result = weft({"run", name, "-p", "wrod=shuttle"});
  EXPECT_EQ(result.exit_code, 1) << result.output();
  EXPECT_THAT(result.err, HasSubstr("/params/wrod"));
  EXPECT_EQ(run_count(client), runs_before);
}

TEST_F(Cli, ExecRunsADocumentWithoutStoringIt) {
  const auto result = weft({"exec", write_document(shell_workflow(name, "true")), "--wait"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr("succeeded"));
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
}

TEST_F(Cli, RunsListsTheRunsOfAWorkflow) {
  const auto run_id = finished_run("true");
  const auto result = weft({"runs", "--workflow", name});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr(run_id));
  EXPECT_THAT(result.out, HasSubstr("succeeded"));
  const auto failed_only = weft({"runs", "--workflow", name, "--status", "failed"});
  EXPECT_THAT(failed_only.out, Not(HasSubstr(run_id)));
}

TEST_F(Cli, StatusShowsARunAndItsTasks) {
  const auto run_id = finished_run("exit 4");
  const auto result = weft({"status", run_id});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr(run_id));
  EXPECT_THAT(result.out, HasSubstr("failed"));
  EXPECT_THAT(result.out, HasSubstr("main"));
}

TEST_F(Cli, LogsPrintsATasksOutputAndErrorStreams) {
  const auto run_id = finished_run("echo to-stdout; echo to-stderr >&2");
  const auto out = weft({"logs", run_id, "main"});
  EXPECT_EQ(out.exit_code, 0) << out.output();
  EXPECT_EQ(out.out, "to-stdout\n");
  EXPECT_EQ(weft({"logs", run_id, "main", "--stderr"}).out, "to-stderr\n");
}

TEST_F(Cli, LogsOfAnUnknownTaskFails) {
  const auto run_id = finished_run("true");
  const auto result = weft({"logs", run_id, "nosuchtask"});
  EXPECT_EQ(result.exit_code, 1) << result.output();
  EXPECT_THAT(result.err, HasSubstr("nosuchtask"));
}

TEST_F(Cli, CancelStopsARunningRun) {
  weftd.apply(shell_workflow(name, "sleep 30"));
  const auto run_id = weftd.start_run(name);
  ASSERT_TRUE(eventually([&] { return weftd.tasks(run_id)["main"]["status"] == "running"; }));
  const auto result = weft({"cancel", run_id});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_EQ(weftd.wait_run(run_id)["status"], "cancelled");
}

TEST_F(Cli, CancelOfAFinishedRunFails) {
  const auto result = weft({"cancel", finished_run("true")});
  EXPECT_EQ(result.exit_code, 1) << result.output();
}

TEST_F(Cli, RetryRunsTheFailedTasksAgain) {
  // Fails the first time only: the marker file remembers the first attempt.
  const auto marker = (files.path() / "tried").string();
  const auto run_id = finished_run("if [ -e '" + marker + "' ]; then exit 0; fi; touch '" + marker + "'; exit 1");
  ASSERT_EQ(client.get("/api/v1/runs/" + run_id).json()["status"], "failed");
  const auto result = weft({"retry", run_id, "--wait"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_EQ(weftd.wait_run(run_id)["status"], "succeeded");
}

TEST_F(Cli, PluginsListsTheLoadedPlugins) {
  const auto result = weft({"plugins"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  for (const char* plugin : {"process", "command", "noop", "sqlite", "loaded"}) {
    EXPECT_THAT(result.out, HasSubstr(plugin));
  }
}

TEST_F(Cli, JsonOutputIsValidJson) {
  const auto run_id = finished_run("true");
  for (const std::vector<std::string>& command : {std::vector<std::string>{"workflows"},
                                                  {"runs"},
                                                  {"status", run_id},
                                                  {"plugins"},
                                                  {"run", name},
                                                  {"validate", write_document(shell_workflow(name, "true"))}}) {
    std::vector<std::string> args{"-o", "json"};
    args.insert(args.end(), command.begin(), command.end());
    const auto result = weft(args);
    EXPECT_EQ(result.exit_code, 0) << command[0] << ": " << result.output();
    EXPECT_TRUE(json::accept(result.out)) << command[0] << " printed: " << result.out;
  }
}

TEST_F(Cli, BadUsageExitsTwoWithTheUsage) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"frobnicate"},
                                               {"run"},
                                               {"apply"},
                                               {"status", "a", "b"},
                                               {"-o", "yaml", "workflows"},
                                               {"run", name, "--wiat"},
                                               {"run", name, "-p", "no-equals-sign"}}) {
    const auto result = weft(args);
    EXPECT_EQ(result.exit_code, 2) << args[0] << ": " << result.output();
    EXPECT_THAT(result.err, HasSubstr("usage"));
  }
}

TEST_F(Cli, AnUnreachableServerFailsSayingSo) {
  const auto result = weft({"workflows"}, {{"WEFT_SERVER", "http://127.0.0.1:" + std::to_string(free_port())}});
  EXPECT_EQ(result.exit_code, 1) << result.output();
  EXPECT_THAT(result.err, HasSubstr("cannot reach"));
}

TEST_F(Cli, TheTokenComesFromTheFileInWeftTokenFile) {
  const auto good = weft({"workflows"}, {{"WEFT_TOKEN_FILE", write_file("token", weftd.token() + "\n")}});
  EXPECT_EQ(good.exit_code, 0) << good.output();
  const auto bad = weft({"workflows"}, {{"WEFT_TOKEN_FILE", write_file("bad-token", "weft_wrong\n")}});
  EXPECT_EQ(bad.exit_code, 1) << bad.output();
  EXPECT_THAT(bad.err, HasSubstr("token"));
}

TEST_F(Cli, TokensAreIssuedListedAndRevokedAndTheAuditLogShowsIt) {
  const auto created = weft(
      {"token", "create", "--role", "operator", "--description", "ci", "--expires", "30d", "--workflows", "etl-*"});
  ASSERT_EQ(created.exit_code, 0) << created.output();
  const std::string secret = created.out.substr(0, created.out.find('\n'));
  EXPECT_EQ(secret.size(), 64U) << created.out;
  const auto as_new = weft({"runs"}, {{"WEFT_TOKEN", secret}});
  EXPECT_EQ(as_new.exit_code, 0) << as_new.output();

  const auto listed = parsed(weft({"-o", "json", "token", "list"}));
  const auto& items = listed.at("items");
  const auto mine = std::find_if(items.begin(), items.end(), [](const json& t) { return t["description"] == "ci"; });
  ASSERT_NE(mine, items.end()) << listed.dump();
  EXPECT_EQ(mine->at("workflows"), "etl-*");
  EXPECT_FALSE(mine->at("expires_at").is_null());
  const std::string id = mine->at("id");
  EXPECT_THAT(weft({"token", "list"}).out, HasSubstr(id));

  const auto revoked = weft({"token", "revoke", id});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.output();
  EXPECT_EQ(weft({"runs"}, {{"WEFT_TOKEN", secret}}).exit_code, 1);
  EXPECT_EQ(weft({"token", "create", "--expires", "soon"}).exit_code, 2);

  // Entries are stored shortly after the request, and other tests share
  // this weftd: wait for this token's own revocation.
  const auto revocation_listed = [&id](const std::string& listing) {
    std::istringstream lines(listing);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("token.revoke") != std::string::npos && line.find(id) != std::string::npos) return true;
    }
    return false;
  };
  ProcessResult audit;
  for (int i = 0; i < 100 && !revocation_listed(audit.out); ++i) audit = weft({"audit", "--limit", "20"});
  EXPECT_EQ(audit.exit_code, 0) << audit.output();
  EXPECT_TRUE(revocation_listed(audit.out)) << audit.out;
}

TEST_F(Cli, TheTokenIsFoundInTheStateDirOfWeftdsConfig) {
  const std::map<std::string, std::string> env = {{"WEFT_SERVER", "http://127.0.0.1:" + std::to_string(weftd.port())},
                                                  {"WEFT_CONFIG", weftd.config_path().string()}};
  const auto result = run_program(weft_binary(), {"workflows"}, env);
  EXPECT_EQ(result.exit_code, 0) << result.output();
}

}  // namespace
}  // namespace weft::test
