// The process executor, driven as weftd drives it: start, cancel and recover on
// the loop thread, events observed through a FakeHost.
#include "process_executor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>

#include "test_files.hpp"

namespace weft::process {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using weft::process_test::read_file;
using weft::process_test::ScratchDir;
using weft::sdk::testing::FakeHost;

pid_t pid_of(const std::string& external_id) { return std::stoi(external_id.substr(0, external_id.find(':'))); }

// Running, as opposed to gone or a zombie nobody reaped yet.
bool is_running(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  const char state = stat.at(stat.rfind(')') + 2);
  return state != 'Z' && state != 'X';
}

class ProcessExecutorTest : public ::testing::Test {
 protected:
  sdk::TaskSpec spec(const std::string& key, std::vector<std::string> argv) const {
    return process_test::task_in(dir_, key, std::move(argv));
  }
  static std::vector<std::string> shell(const std::string& script) { return {"/bin/sh", "-c", script}; }

  ProcessExecutor& executor(const json& config = json::object()) {
    if (!executor_) executor_ = std::make_unique<ProcessExecutor>(host_.host(), config);
    return *executor_;
  }

  // Starts the task and waits for its FINISHED event.
  weft::sdk::testing::RecordedEvent run(const sdk::TaskSpec& task) {
    executor().start(task);
    const auto finished = host_.wait_for_finished(task.task_key);
    if (!finished) throw std::runtime_error("the task did not finish");
    return *finished;
  }

  // Waits for a file that a task writes once it is ready.
  std::string wait_for_file(const std::string& path) {
    host_.run_until([&] { return !read_file(path).empty(); });
    return read_file(path);
  }

  ScratchDir dir_;
  FakeHost host_;  // declared before executor_: it outlives it
  std::unique_ptr<ProcessExecutor> executor_;
};

TEST_F(ProcessExecutorTest, ReportsStartedWithPidAndStartTimeThenExitCodeZero) {
  const auto finished = run(spec("ok", {"/bin/true"}));

  const auto started = host_.find("ok", WEFT_EVENT_STARTED);
  ASSERT_TRUE(started);
  EXPECT_THAT(started->external_id, MatchesRegex("[0-9]+:[0-9]+"));
  EXPECT_EQ(finished.exit_code, 0);
  EXPECT_EQ(finished.error, "");
  EXPECT_EQ(host_.events_for("ok").size(), 2u);
}

TEST_F(ProcessExecutorTest, ReportsANonZeroExitCode) {
  const auto finished = run(spec("three", shell("exit 3")));

  EXPECT_EQ(finished.exit_code, 3);
  EXPECT_EQ(finished.error, "");
}

TEST_F(ProcessExecutorTest, ReportsATaskKilledBySignalAs128PlusTheSignal) {
  const auto finished = run(spec("killed", shell("kill -9 $$")));

  EXPECT_EQ(finished.exit_code, 128 + 9);
  EXPECT_EQ(finished.error, "killed by signal 9");
}

TEST_F(ProcessExecutorTest, WritesStdoutAndStderrIntoTheirFiles) {
  const auto task = spec("logs", shell("echo to-stdout; echo to-stderr >&2"));
  run(task);

  EXPECT_EQ(read_file(task.stdout_path), "to-stdout\n");
  EXPECT_EQ(read_file(task.stderr_path), "to-stderr\n");
}

TEST_F(ProcessExecutorTest, GivesTheTaskWeftdsEnvironmentItsEnvAndWeftVariables) {
  ::setenv("WEFT_TEST_INHERITED", "from-weftd", 1);
  ::setenv("WEFT_TEST_REPLACED", "from-weftd", 1);
  auto task = spec("env", shell("echo $WEFT_TEST_INHERITED $WEFT_TEST_REPLACED $GREETING; "
                                "echo $WEFT_RUN_ID $WEFT_NODE $WEFT_INDEX $WEFT_ATTEMPT $WEFT_TASK_KEY; "
                                "echo $WEFT_OUTPUT"));
  task.command->env = {{"GREETING", "hello"}, {"WEFT_TEST_REPLACED", "from-task"}};
  task.index = 4;
  task.attempt = 2;
  run(task);

  EXPECT_EQ(read_file(task.stdout_path), "from-weftd from-task hello\nrun-1 step 4 2 env\n" + task.output_path + "\n");
}

TEST_F(ProcessExecutorTest, RunsInTheGivenWorkingDirectory) {
  auto task = spec("cwd", {"/bin/pwd"});
  task.command->cwd = dir_.path().string();
  run(task);

  EXPECT_EQ(read_file(task.stdout_path), dir_.path().string() + "\n");
}

TEST_F(ProcessExecutorTest, ReportsWhatTheTaskWroteToItsOutputFile) {
  const auto finished = run(spec("output", shell(R"(printf '{"files": 2}' > "$WEFT_OUTPUT")")));

  EXPECT_EQ(finished.output_json, R"({"files": 2})");
}

TEST_F(ProcessExecutorTest, ReportsEmptyOutputWhenTheTaskWroteNoOutputFile) {
  const auto finished = run(spec("no-output", {"/bin/true"}));

  EXPECT_EQ(finished.output_json, "");
}

TEST_F(ProcessExecutorTest, DoesNotReadBackAFileTheTaskLinkedItsOutputTo) {
  const std::string secret = (dir_.path() / "secret.json").string();
  std::ofstream(secret) << R"({"token": "daemon only"})";

  const auto finished = run(spec("link", shell("ln -s '" + secret + R"(' "$WEFT_OUTPUT")")));

  EXPECT_EQ(finished.output_json, "");
  EXPECT_THAT(finished.error, HasSubstr("cannot read the output file"));
}

TEST_F(ProcessExecutorTest, RefusesToWriteLogsThroughALinkAnEarlierAttemptLeftAtTheirPath) {
  const std::string precious = (dir_.path() / "precious").string();
  std::ofstream(precious) << "keep me";
  const sdk::TaskSpec task = spec("retried", {"/bin/echo", "second attempt"});
  std::filesystem::create_directories(std::filesystem::path(task.stdout_path).parent_path());
  std::filesystem::create_symlink(precious, task.stdout_path);

  try {
    executor().start(task);
    FAIL() << "start wrote through a link";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("is a symbolic link"));
  }
  EXPECT_EQ(read_file(precious), "keep me");
  EXPECT_TRUE(host_.events().empty());
}

TEST_F(ProcessExecutorTest, ReportsAnOutputFileOver16MiBAsAnErrorWithoutOutput) {
  const auto finished = run(spec("huge", shell(R"(head -c 17000000 /dev/zero > "$WEFT_OUTPUT")")));

  EXPECT_EQ(finished.output_json, "");
  EXPECT_THAT(finished.error, HasSubstr("is larger than 16 MiB"));
}

TEST_F(ProcessExecutorTest, RefusesAMissingProgramNamingItAndReportsNothing) {
  try {
    executor().start(spec("missing", {"weft-no-such-program"}));
    FAIL() << "start accepted a missing program";
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "cannot start 'weft-no-such-program': No such file or directory");
  }
  EXPECT_TRUE(host_.events().empty());
  EXPECT_EQ(host_.pending_watches(), 0u);
}

TEST_F(ProcessExecutorTest, RefusesAnInvalidEnvVariableNameNamingIt) {
  for (const std::string name : {"", "A=B"}) {
    auto task = spec("bad-env", {"/bin/true"});
    task.command->env = {{"OK", "1"}, {name, "x"}};
    try {
      executor().start(task);
      FAIL() << "start accepted the variable name '" << name << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("invalid variable name '" + name + "'"));
    }
  }
  EXPECT_TRUE(host_.events().empty());
}

TEST_F(ProcessExecutorTest, RefusesAContainerImageAndExecutorOptionsSayingWhy) {
  auto with_image = spec("image", {"/bin/true"});
  with_image.command->image = "debian:12";
  EXPECT_THROW(
      {
        try {
          executor().start(with_image);
        } catch (const std::invalid_argument& e) {
          EXPECT_THAT(e.what(), HasSubstr("container image 'debian:12'"));
          throw;
        }
      },
      std::invalid_argument);
  auto with_options = spec("options", {"/bin/true"});
  with_options.command->executor_options = {{"partition", "gpu"}};
  EXPECT_THROW(executor().start(with_options), std::invalid_argument);
  EXPECT_TRUE(host_.events().empty());
}

TEST_F(ProcessExecutorTest, RefusesANegativeMemoryLimit) {
  auto task = spec("negative", {"/bin/true"});
  task.resources.memory_mb = -1;
  try {
    executor().start(task);
    FAIL() << "start accepted memory_mb -1";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("resources.memory_mb must be > 0 when given, got -1"));
  }
  EXPECT_TRUE(host_.events().empty());
}

TEST_F(ProcessExecutorTest, RefusesATaskWithoutACommand) {
  auto task = spec("no-command", {"/bin/true"});
  task.command.reset();
  EXPECT_THROW(executor().start(task), std::invalid_argument);
  EXPECT_TRUE(host_.events().empty());
}

TEST_F(ProcessExecutorTest, RefusesAMissingWorkingDirectoryNamingIt) {
  auto task = spec("nowhere", {"/bin/true"});
  task.command->cwd = dir_ / "no-such-dir";
  try {
    executor().start(task);
    FAIL() << "start accepted a missing working directory";
  } catch (const std::exception& e) {
    EXPECT_EQ(e.what(), "cannot start '/bin/true' in '" + dir_ / "no-such-dir" + "': No such file or directory");
  }
  EXPECT_TRUE(host_.events().empty());
}

TEST_F(ProcessExecutorTest, AppliesTheMemoryLimitToTheProcess) {
  auto task = spec("limited", {"/bin/sleep", "30"});
  task.resources.memory_mb = 512;
  executor().start(task);
  const pid_t pid = pid_of(host_.find("limited", WEFT_EVENT_STARTED)->external_id);

  EXPECT_THAT(read_file("/proc/" + std::to_string(pid) + "/limits"),
              MatchesRegex("(.|\n)*Max address space +536870912 +536870912 +bytes(.|\n)*"));
  executor().cancel("limited");
  host_.wait_for_finished("limited");
}

TEST_F(ProcessExecutorTest, CancelStopsTheWholeProcessGroup) {
  const std::string grandchild_file = dir_ / "grandchild.pid";
  executor().start(spec("tree", shell("/bin/sleep 30 & echo $! > " + grandchild_file + "; wait")));
  const pid_t grandchild = std::stoi(wait_for_file(grandchild_file));

  ASSERT_TRUE(executor().cancel("tree"));
  const auto finished = host_.wait_for_finished("tree");

  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->error, "cancelled");
  EXPECT_TRUE(host_.run_until([&] { return !is_running(grandchild); }));
}

TEST_F(ProcessExecutorTest, CancelEscalatesToSigkillWhenTheTaskIgnoresSigterm) {
  const std::string ready_file = dir_ / "ready";
  executor({{"kill_grace_s", 0.2}})
      .start(spec("stubborn", shell("trap '' TERM; echo ready > " + ready_file + "; while :; do /bin/sleep 1; done")));
  wait_for_file(ready_file);

  ASSERT_TRUE(executor().cancel("stubborn"));
  const auto finished = host_.wait_for_finished("stubborn");

  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->exit_code, 128 + SIGKILL);
  EXPECT_EQ(finished->error, "cancelled");
}

TEST_F(ProcessExecutorTest, CancelOfAnUnknownTaskReturnsFalse) { EXPECT_FALSE(executor().cancel("nobody")); }

TEST_F(ProcessExecutorTest, RecoverStopsAProcessLeftFromBeforeTheRestartAndReportsLost) {
  std::string external_id;
  {
    FakeHost old_host;
    ProcessExecutor before_restart(old_host.host(), json::object());
    before_restart.start(spec("orphan", {"/bin/sleep", "30"}));
    external_id = old_host.find("orphan", WEFT_EVENT_STARTED)->external_id;
  }
  const pid_t pid = pid_of(external_id);

  executor().recover(spec("orphan", {"/bin/sleep", "30"}), external_id);

  const auto lost = host_.find("orphan", WEFT_EVENT_LOST);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->error, "weftd restarted while the task ran; it was stopped and will run again");
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);  // still the test's child: reaping it proves how it ended
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST_F(ProcessExecutorTest, RecoverWithoutAnExternalIdFindsTheTaskByItsKeyAndStopsIt) {
  std::string external_id;
  {
    FakeHost old_host;
    ProcessExecutor before_restart(old_host.host(), json::object());
    before_restart.start(spec("unconfirmed", {"/bin/sleep", "30"}));
    external_id = old_host.find("unconfirmed", WEFT_EVENT_STARTED)->external_id;
  }
  const pid_t pid = pid_of(external_id);
  // Right after exec the kernel may not show the new environment yet; a real
  // restart comes much later than that.
  ASSERT_TRUE(host_.run_until([&] {
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ");
    return in.peek() != std::ifstream::traits_type::eof();
  }));

  executor().recover(spec("unconfirmed", {"/bin/sleep", "30"}), "");

  const auto lost = host_.find("unconfirmed", WEFT_EVENT_LOST);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->error, "weftd restarted while the task ran; it was stopped and will run again");
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST_F(ProcessExecutorTest, RecoverWithoutAnExternalIdOfATaskThatNeverStartedReportsLost) {
  executor().recover(spec("never-started", {"/bin/true"}), "");

  const auto lost = host_.find("never-started", WEFT_EVENT_LOST);
  ASSERT_TRUE(lost);
  EXPECT_THAT(lost->error, HasSubstr("it is not running"));
}

TEST_F(ProcessExecutorTest, RecoverOfAProcessThatIsGoneReportsLost) {
  run(spec("done", {"/bin/true"}));
  const std::string external_id = host_.find("done", WEFT_EVENT_STARTED)->external_id;

  executor().recover(spec("done", {"/bin/true"}), external_id);

  const auto lost = host_.find("done", WEFT_EVENT_LOST);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->error, "the task's process is gone after a weftd restart");
}

TEST_F(ProcessExecutorTest, RecoverWithAMalformedExternalIdReportsLostSayingSo) {
  executor().recover(spec("odd", {"/bin/true"}), "job-17");

  const auto lost = host_.find("odd", WEFT_EVENT_LOST);
  ASSERT_TRUE(lost);
  EXPECT_THAT(lost->error, HasSubstr("external id 'job-17' is not <pid>:<start time>"));
}

TEST_F(ProcessExecutorTest, RefusesAnUnknownConfigKeyNamingIt) {
  try {
    ProcessExecutor refused(host_.host(), {{"kill_grace", 1}});
    FAIL() << "the config was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown config key 'kill_grace'"));
  }
}

TEST_F(ProcessExecutorTest, RefusesAKillGraceThatIsNotANumber) {
  EXPECT_THROW(ProcessExecutor(host_.host(), {{"kill_grace_s", "5"}}), std::invalid_argument);
}

}  // namespace
}  // namespace weft::process
