// Tasks of the process executor with run_as set cannot reach weftd's secrets:
// the attack of issue 13 (a param that turns `sh -c "echo {{ params.x }}"`
// into `cat admin.token`) against a real weftd over HTTP, and what else a
// task might try: the database, another task's files, weftd's environment.
// Switching users needs root (CI runs as root); not root is a failure that
// says so, never a skip.
#include "api_test_helpers.hpp"
#include "child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kTaskUser = "nobody";
constexpr const char* kSecretInWeftdsEnvironment = "hunter2-in-weftd-env";
const std::string kAttack = R"(x; cat "$(dirname "$WEFT_OUTPUT")/../../admin.token")";

class TaskIsolation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(::geteuid(), 0U) << "these tests switch users and need root: run them as root (CI does); "
                                  "weftd's run_as needs CAP_SETUID, CAP_SETGID, CAP_CHOWN and CAP_KILL";
    WeftdOptions options;
    options.config = {{"executors", {{"process", {{"run_as", kTaskUser}, {"kill_grace_s", 0.5}}}}}};
    options.env = {{"PGPASSWORD", kSecretInWeftdsEnvironment}};
    weftd_ = std::make_unique<WeftdProcess>(options);
    // The task user must pass through the directories above the state dir,
    // as it must through /var/lib for a packaged weftd.
    ::chmod(weftd_->state_dir().parent_path().c_str(), 0711);
  }
  static void TearDownTestSuite() { weftd_.reset(); }

  void SetUp() override { ASSERT_NE(weftd_, nullptr) << "weftd did not start"; }

  // The finished run of a one-node workflow running `sh -c script`.
  std::string run(const std::string& script, const json& params = json::object()) const {
    const auto name = test_workflow_name();
    weftd_->apply(shell_workflow(name, script, {{"x", ""}}));
    auto run_id = weftd_->start_run(name, params);
    weftd_->wait_run(run_id);
    return run_id;
  }

  std::string log(const std::string& run_id, const std::string& stream = "stdout") const {
    const auto response = weftd_->client().get("/api/v1/runs/" + run_id + "/tasks/main/logs?stream=" + stream);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.body;
  }

  static std::string admin_token() { return weftd_->token(); }

  static std::unique_ptr<WeftdProcess> weftd_;
};

std::unique_ptr<WeftdProcess> TaskIsolation::weftd_;

TEST_F(TaskIsolation, TheInjectedCommandCannotReadTheAdminToken) {
  const auto run_id = run("echo {{ params.x }}", {{"x", kAttack}});
  ASSERT_FALSE(admin_token().empty());
  const auto stderr_log = log(run_id, "stderr");
  EXPECT_THAT(log(run_id), Not(HasSubstr(admin_token())));
  EXPECT_THAT(stderr_log, Not(HasSubstr(admin_token())));
  EXPECT_THAT(stderr_log, HasSubstr("Permission denied"));
}

TEST_F(TaskIsolation, ShellQuoteMakesTheInjectionPrintLiterally) {
  const auto run_id = run("echo {{ params.x | shell_quote }}", {{"x", kAttack}});
  EXPECT_EQ(weftd_->wait_run(run_id)["status"], "succeeded");
  EXPECT_EQ(log(run_id), kAttack + "\n");
}

TEST_F(TaskIsolation, TheTaskRunsAsTheTaskUserWithoutWeftdsEnvironment) {
  const auto run_id = run("id -un; env");
  const auto out = log(run_id);
  EXPECT_THAT(out, testing::StartsWith(std::string(kTaskUser) + "\n"));
  EXPECT_THAT(out, Not(HasSubstr(kSecretInWeftdsEnvironment)));
  EXPECT_THAT(out, HasSubstr("WEFT_RUN_ID=" + run_id));
  EXPECT_THAT(out, HasSubstr("USER=" + std::string(kTaskUser)));
}

TEST_F(TaskIsolation, TheTaskCannotReadTheDatabaseNorListTheStateDir) {
  const auto state = weftd_->state_dir().string();
  ASSERT_TRUE(std::filesystem::exists(state + "/weft.db"));
  const auto run_id =
      run("cat " + state + "/weft.db >/dev/null && echo READ-DB; ls " + state + " && echo LISTED; true");
  const auto out = log(run_id);
  EXPECT_THAT(out, Not(HasSubstr("READ-DB")));
  EXPECT_THAT(out, Not(HasSubstr("LISTED")));
  EXPECT_THAT(log(run_id, "stderr"), HasSubstr("Permission denied"));
}

TEST_F(TaskIsolation, TheTaskCannotReadAnotherTasksFiles) {
  const auto victim = run(R"(echo victim-log-secret; echo '{"key": "victim-output-secret"}' > "$WEFT_OUTPUT")");
  ASSERT_EQ(weftd_->results(victim)["outputs"]["main"], json({{"key", "victim-output-secret"}}));
  const auto victim_dir = (weftd_->state_dir() / "runs" / victim).string();
  ASSERT_TRUE(std::filesystem::exists(victim_dir + "/main.1.stdout"));
  ASSERT_TRUE(std::filesystem::exists(victim_dir + "/main.1.output.json"));
  const auto thief = run("cat " + victim_dir + "/main.1.stdout " + victim_dir + "/main.1.output.json; ls " +
                         victim_dir + "; ls " + victim_dir + "/..; true");
  EXPECT_THAT(log(thief), Not(HasSubstr("victim-")));
  EXPECT_THAT(log(thief), Not(HasSubstr("main.1")));
  EXPECT_THAT(log(thief, "stderr"), HasSubstr("Permission denied"));
}

TEST_F(TaskIsolation, CancelStopsATaskOfAnotherUser) {
  const auto name = test_workflow_name();
  weftd_->apply(shell_workflow(name, "trap '' TERM; sleep 60 & wait; sleep 60"));
  const auto run_id = weftd_->start_run(name);
  ASSERT_TRUE(eventually([&] { return weftd_->tasks(run_id)["main"]["status"] == "running"; }));
  EXPECT_EQ(weftd_->client().post("/api/v1/runs/" + run_id + "/cancel").status, 202);
  EXPECT_EQ(weftd_->wait_run(run_id, std::chrono::seconds(20))["status"], "cancelled");
}

TEST_F(TaskIsolation, TheRunTimeoutStopsATaskOfAnotherUser) {
  auto document = shell_workflow(test_workflow_name(), "sleep 60");
  document["timeout_s"] = 1;
  const auto run_id = weftd_->start_adhoc(document);
  const auto run = weftd_->wait_run(run_id, std::chrono::seconds(20));
  EXPECT_EQ(run["status"], "cancelled");
  EXPECT_THAT(run.dump(), HasSubstr("timeout_s"));
}

TEST(TaskIsolationStateDir, AStartClosesTheStateDirToOthers) {
  WeftdProcess weftd;
  weftd.stop();
  const auto state = weftd.state_dir();
  // As an older weftd left it under umask 022.
  ::chmod(state.c_str(), 0755);
  ::chmod((state / "weft.db").c_str(), 0644);
  weftd.start();
  struct stat info {};
  ASSERT_EQ(::stat(state.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0711U);
  ASSERT_EQ(::stat((state / "weft.db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0007, 0U);
  ASSERT_EQ(::stat((state / "runs").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0711U);
  EXPECT_THAT(weftd.log(), HasSubstr("weft.db was open to other users; took their access away"));
}

TEST(TaskIsolationConfig, AnUnknownRunAsUserIsRefusedNamingIt) {
  WeftdOptions options;
  options.config = {{"executors", {{"process", {{"run_as", "no-such-weft-user"}}}}}};
  const WeftdProcess weftd(options);
  const auto plugins = weftd.client().get("/api/v1/plugins").json().dump();
  EXPECT_THAT(plugins, HasSubstr("run_as user 'no-such-weft-user' does not exist"));
}

}  // namespace
}  // namespace weft::test
