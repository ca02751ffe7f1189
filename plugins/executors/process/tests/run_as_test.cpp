// run_as: the task runs as an unprivileged user, with a clean environment,
// owning its output file and nothing else. Switching users needs root (CI
// runs as root); not root is a failure saying so, never a skip.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <weft/sdk/testing/fake_host.hpp>

#include "process_executor.hpp"
#include "test_files.hpp"

namespace weft::process {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using weft::process_test::read_file;
using weft::process_test::ScratchDir;
using weft::sdk::testing::FakeHost;

constexpr const char* kTaskUser = "nobody";

std::string refusal(const json& config) {
  FakeHost host;
  try {
    ProcessExecutor executor(host.host(), config);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

class RunAs : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0U) << "run_as tests switch users and need root: run them as root (CI does)";
    const passwd* user = ::getpwnam(kTaskUser);
    ASSERT_NE(user, nullptr) << "the test needs the user '" << kTaskUser << "'";
    task_uid_ = user->pw_uid;
    ::chmod(dir_.path().c_str(), 0711);  // the task user passes through, as through a state dir
    ::setenv("WEFT_TEST_DAEMON_SECRET", "s3cret", 1);
    executor_ = std::make_unique<ProcessExecutor>(host_.host(), json{{"run_as", kTaskUser}});
    ::unsetenv("WEFT_TEST_DAEMON_SECRET");
  }

  weft::sdk::testing::RecordedEvent run(const std::string& key, const std::string& script) {
    executor_->start(process_test::task_in(dir_, key, {"/bin/sh", "-c", script}));
    const auto finished = host_.wait_for_finished(key);
    if (!finished) throw std::runtime_error("the task did not finish");
    return *finished;
  }

  uid_t task_uid_ = 0;
  ScratchDir dir_;
  FakeHost host_;
  std::unique_ptr<ProcessExecutor> executor_;
};

TEST_F(RunAs, TheTaskRunsAsTheUserAndWritesItsOutput) {
  const auto finished = run("t1", R"(id -u; id -G; grep -E '^(CapEff|CapPrm|CapAmb|NoNewPrivs):' /proc/self/status;
                   echo '{"done": true}' > "$WEFT_OUTPUT")");
  EXPECT_EQ(finished.exit_code, 0) << read_file(dir_ / "runs/t1.stderr");
  const std::string out = read_file(dir_ / "runs/t1.stdout");
  EXPECT_EQ(out.substr(0, out.find('\n')), std::to_string(task_uid_));
  EXPECT_THAT(out, Not(HasSubstr(" 0\n"))) << "no group of root";
  EXPECT_THAT(out, HasSubstr("CapEff:\t0000000000000000\n"));
  EXPECT_THAT(out, HasSubstr("CapPrm:\t0000000000000000\n"));
  EXPECT_THAT(out, HasSubstr("CapAmb:\t0000000000000000\n"));
  EXPECT_THAT(out, HasSubstr("NoNewPrivs:\t1\n"));
  EXPECT_EQ(json::parse(finished.output_json), json({{"done", true}}));
}

TEST_F(RunAs, TheOutputFileIsWeftdsAgainAfterTheTask) {
  run("t1", R"(echo '{}' > "$WEFT_OUTPUT")");
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "runs/t1.output.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, ::geteuid());
}

TEST_F(RunAs, RecoverTakesTheOutputFileBackFromAnOrphanedTask) {
  const auto task = process_test::task_in(dir_, "orphan", {"/bin/true"});
  std::filesystem::create_directories(std::filesystem::path(task.output_path).parent_path());
  std::ofstream(task.output_path) << "{}";
  ASSERT_EQ(::chown(task.output_path.c_str(), task_uid_, task_uid_), 0);
  executor_->recover(task, "");
  EXPECT_TRUE(host_.find("orphan", WEFT_EVENT_LOST));
  struct stat info {};
  ASSERT_EQ(::stat(task.output_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, ::geteuid());
}

TEST_F(RunAs, TheTaskCannotReadOtherFilesOfTheRunDirectory) {
  run("first", "echo first-secret");
  const auto finished = run(
      "second", "cat " + dir_ / "runs/first.stdout" + " " + dir_ / "runs/first.output.json" + "; ls " + dir_ / "runs");
  EXPECT_THAT(read_file(dir_ / "runs/second.stdout"), Not(HasSubstr("first")));
  EXPECT_THAT(read_file(dir_ / "runs/second.stderr"), HasSubstr("Permission denied"));
  EXPECT_NE(finished.exit_code, 0);
}

TEST_F(RunAs, TheEnvironmentHasNoneOfWeftdsVariables) {
  run("env", "env");
  const std::string env = read_file(dir_ / "runs/env.stdout");
  EXPECT_THAT(env, Not(HasSubstr("s3cret")));
  EXPECT_THAT(env, HasSubstr("USER=nobody\n"));
  EXPECT_THAT(env, HasSubstr("WEFT_TASK_KEY=env\n"));
  EXPECT_THAT(env, HasSubstr("PATH="));
}

TEST_F(RunAs, AStartThatFailsAsTheUserNamesTheStep) {
  const auto locked = dir_ / "locked";
  std::filesystem::create_directory(locked);
  ::chmod(locked.c_str(), 0700);
  auto task = process_test::task_in(dir_, "cwd", {"/bin/true"});
  task.command->cwd = locked;
  try {
    executor_->start(task);
    FAIL() << "started in a directory the task user cannot enter";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("as user 'nobody': cannot change directory to '" + locked + "': Permission denied"));
  }
  EXPECT_TRUE(host_.events_for("cwd").empty());
}

TEST_F(RunAs, CancelStopsTheTaskOfAnotherUser) {
  executor_->start(process_test::task_in(dir_, "slow", {"/bin/sh", "-c", "trap '' TERM; sleep 30 & wait"}));
  EXPECT_TRUE(executor_->cancel("slow"));
  const auto finished = host_.wait_for_finished("slow", std::chrono::seconds(20));
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->error, "cancelled");
}

// task_uids: tasks running at the same time hold uids of their own.
class TaskUids : public RunAs {
 protected:
  void SetUp() override {
    RunAs::SetUp();
    executor_ = std::make_unique<ProcessExecutor>(
        host_.host(), json{{"run_as", kTaskUser}, {"task_uids", {kFirstUid, kFirstUid + 1}}, {"kill_grace_s", 0}});
  }
  void start_sleeper(const std::string& key) {
    executor_->start(process_test::task_in(dir_, key, {"/bin/sh", "-c", "id -u; id -g; id -G; exec sleep 30"}));
  }
  // What `id -u; id -g; id -G` printed, once it has.
  std::string ids_of(const std::string& key) {
    const auto path = dir_ / ("runs/" + key + ".stdout");
    host_.run_until([&] {
      const std::string text = read_file(path);
      return std::count(text.begin(), text.end(), '\n') == 3;
    });
    return read_file(path);
  }
  void stop(const std::string& key) {
    executor_->cancel(key);
    ASSERT_TRUE(host_.wait_for_finished(key));
  }
  static constexpr uid_t kFirstUid = 3'900'000;
};

TEST_F(TaskUids, TasksRunningTogetherHoldUidsOfTheirOwn) {
  start_sleeper("a");
  start_sleeper("b");
  const std::string a = std::to_string(kFirstUid);
  const std::string b = std::to_string(kFirstUid + 1);
  EXPECT_EQ(ids_of("a"), a + "\n" + a + "\n" + a + "\n");
  EXPECT_EQ(ids_of("b"), b + "\n" + b + "\n" + b + "\n");
  stop("a");
  stop("b");
}

TEST_F(TaskUids, AFullRangeRefusesTheStartAndAnEndedTaskFreesItsUid) {
  start_sleeper("a");
  start_sleeper("b");
  try {
    start_sleeper("c");
    FAIL() << "a third task started with two uids";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("all task_uids 3900000..3900001 are held by running tasks"));
  }
  EXPECT_TRUE(host_.events_for("c").empty());
  stop("a");
  start_sleeper("c");
  EXPECT_EQ(ids_of("c").substr(0, 8), std::to_string(kFirstUid) + "\n");
  stop("b");
  stop("c");
}

TEST(RunAsConfig, RefusesUsersThatWouldKeepWeftdsAccess) {
  EXPECT_THAT(refusal({{"run_as", "no-such-weft-user"}}), HasSubstr("run_as user 'no-such-weft-user' does not exist"));
  EXPECT_THAT(refusal({{"run_as", "root"}}), HasSubstr("is root"));
  EXPECT_THAT(refusal({{"run_as", ""}}), HasSubstr("'run_as' of the process executor must be a user name"));
  EXPECT_THAT(refusal({{"run_as", 65534}}), HasSubstr("must be a user name"));
}

TEST(RunAsConfig, RefusesTaskUidsThatAreNotAFreeRange) {
  EXPECT_THAT(refusal({{"task_uids", {5000000, 5000009}}}),
              HasSubstr("'task_uids' of the process executor needs run_as"));
  EXPECT_THAT(refusal({{"run_as", kTaskUser}, {"task_uids", {0, 10}}}), HasSubstr("0 < first <= last"));
  EXPECT_THAT(refusal({{"run_as", kTaskUser}, {"task_uids", {10, 9}}}), HasSubstr("0 < first <= last"));
  EXPECT_THAT(refusal({{"run_as", kTaskUser}, {"task_uids", "1-9"}}), HasSubstr("[first, last]"));
  const passwd* nobody = ::getpwnam(kTaskUser);
  ASSERT_NE(nobody, nullptr);
  EXPECT_THAT(refusal({{"run_as", kTaskUser}, {"task_uids", {nobody->pw_uid, nobody->pw_uid}}}),
              HasSubstr("holds the uid of user 'nobody'"));
}

TEST(RunAsConfig, WithoutRunAsTheExecutorWarnsThatTasksRunAsWeftd) {
  FakeHost host;
  const ProcessExecutor executor(host.host(), json::object());
  bool warned = false;
  for (const auto& line : host.logs()) warned = warned || line.message.find("weftd's own user") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace weft::process
