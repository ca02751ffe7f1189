// Two weftd instances on one PostgreSQL database (a server of the test's
// own), asked over HTTP about runs the other holds: cancel, pause and resume
// sent to either instance reach the one that drives the run; a task's log is
// read on the instance that ran it; a retry sent to either is driven by that
// one alone; and a command on a run whose holder died is answered 503 (try
// again) until another instance has taken the run over, then carried out by
// it.
#include "own_postgres.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

namespace weft::test {
namespace {

using nlohmann::json;

constexpr int kLeaseS = 3;

class ScaleOutRequests : protected OwnPostgres, public ::testing::Test {
 protected:
  ScaleOutRequests() {
    for (const char* id : {"holder", "other"}) {
      const json config = {{"storage", server_.store_config()}, {"instance", {{"id", id}, {"lease_s", kLeaseS}}}};
      instances_.push_back(std::make_unique<WeftdProcess>(with_config(config)));
    }
  }

  WeftdProcess& holder() { return *instances_[0]; }
  WeftdProcess& other() { return *instances_[1]; }

  // A run on the holder whose one task waits until `release` exists.
  std::string waiting_run() { return holder().start_adhoc(workflow("waits", {sh("wait", wait_for_file(release_))})); }
  void release_tasks() { std::ofstream(release_) << "go\n"; }
  std::string status_of(const std::string& run) {
    const auto r = other().client().get("/api/v1/runs/" + run);
    return r.status == 200 ? r.json()["status"].get<std::string>() : "HTTP " + std::to_string(r.status);
  }
  std::string logs() { return "--- holder\n" + holder().log() + "--- other\n" + other().log(); }

  TempDir dir_;
  std::filesystem::path release_ = dir_.path() / "release";
  std::vector<std::unique_ptr<WeftdProcess>> instances_;
};

TEST_F(ScaleOutRequests, CancelPauseAndResumeSentToTheOtherInstanceReachTheHolder) {
  const auto paused = waiting_run();
  const auto cancelled = waiting_run();
  ASSERT_TRUE(eventually([&] { return status_of(paused) == "running" && status_of(cancelled) == "running"; }));

  const auto pause = other().client().post("/api/v1/runs/" + paused + "/pause");
  EXPECT_EQ(pause.status, 202) << pause.body << logs();
  EXPECT_EQ(status_of(paused), "paused") << "answered once the holder stored it";
  const auto cancel = other().client().post("/api/v1/runs/" + cancelled + "/cancel");
  EXPECT_EQ(cancel.status, 202) << cancel.body << logs();
  EXPECT_EQ(other().wait_run(cancelled)["status"], "cancelled");

  const auto resume = other().client().post("/api/v1/runs/" + paused + "/resume");
  EXPECT_EQ(resume.status, 202) << resume.body << logs();
  // The holder's answer comes back as it is: a run that is not paused
  // cannot be resumed, and says so.
  const auto again = other().client().post("/api/v1/runs/" + paused + "/resume");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.json()["error"]["code"], "conflict") << again.body;
  EXPECT_NE(again.json()["error"]["message"].get<std::string>().find("not paused"), std::string::npos) << again.body;
  release_tasks();
  EXPECT_EQ(other().wait_run(paused)["status"], "succeeded") << logs();
  EXPECT_EQ(other().log().find("run " + paused + ": taken over"), std::string::npos) << "the run changed hands";
}

TEST_F(ScaleOutRequests, AForwardedRequestIsNotForwardedAgainAndNeedsTheCallersCredentials) {
  const auto run = waiting_run();
  ASSERT_TRUE(eventually([&] { return status_of(run) == "running"; }));

  const auto forwarded =
      other().client().send("POST", "/api/v1/runs/" + run + "/cancel", "{}", {{"X-Weft-Forwarded-By", "holder"}});
  EXPECT_EQ(forwarded.status, 409) << forwarded.body;
  EXPECT_EQ(forwarded.json()["error"]["code"], "held_elsewhere") << forwarded.body;

  const auto anonymous = other().client().without_token().post("/api/v1/runs/" + run + "/cancel");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(status_of(run), "running");
  release_tasks();
  EXPECT_EQ(holder().wait_run(run)["status"], "succeeded");
}

// A task's log is a file on the instance that ran it; the other reads it there.
TEST_F(ScaleOutRequests, ALogOfATaskThatRanOnTheOtherInstanceIsReadThere) {
  const auto run = holder().start_adhoc(workflow("speaks", {sh("say", "echo said-on-holder; echo err >&2")}));
  ASSERT_EQ(holder().wait_run(run)["status"], "succeeded");
  const std::string logs_path = "/api/v1/runs/" + run + "/tasks/say/logs";
  const auto out = other().client().get(logs_path);
  EXPECT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.body, "said-on-holder\n");
  EXPECT_EQ(other().client().get(logs_path + "?stream=stderr&attempt=1").body, "err\n");
  EXPECT_EQ(holder().client().get(logs_path).body, "said-on-holder\n");
}

// The retry takes the run's lease at a new generation: the instance that
// finished it cannot write it any more, and only the retrying one drives it.
TEST_F(ScaleOutRequests, ARunRetriedOnTheOtherInstanceIsDrivenThereAlone) {
  const auto marker = dir_.path() / "failed-once";
  const auto run = holder().start_adhoc(workflow(
      "fails-once",
      {sh("flaky", "if [ -e " + quoted(marker) + " ]; then exit 0; fi; touch " + quoted(marker) + "; exit 1")}));
  ASSERT_EQ(holder().wait_run(run)["status"], "failed");

  const auto retried = other().client().post("/api/v1/runs/" + run + "/retry");
  ASSERT_EQ(retried.status, 202) << retried.body << logs();
  EXPECT_EQ(other().wait_run(run)["status"], "succeeded") << logs();
  EXPECT_NE(other().log().find("run " + run + ": retrying its failed tasks (lease generation"), std::string::npos)
      << logs();
  EXPECT_EQ(holder().log().find("run " + run + ": retrying"), std::string::npos) << logs();

  const auto again = holder().client().post("/api/v1/runs/" + run + "/retry");
  EXPECT_EQ(again.status, 409) << again.body << "\nit succeeded: nothing to retry";
}

// Killed with SIGKILL while holding a run: until its lease runs out nobody
// can act on the run, and the caller is told to try again; after, the
// instance that took the run over carries the command out.
TEST_F(ScaleOutRequests, ACommandOnARunWhoseHolderDiedIsCarriedOutOnceTheRunIsTakenOver) {
  const auto run = waiting_run();
  ASSERT_TRUE(eventually([&] { return status_of(run) == "running"; }));
  holder().kill_hard();

  int answer = 0;
  ASSERT_TRUE(eventually(
      [&] {
        const auto cancel = other().client().post("/api/v1/runs/" + run + "/cancel");
        answer = cancel.status;
        if (cancel.status == 503) {
          EXPECT_NE(cancel.body.find("try again"), std::string::npos) << cancel.body;
        }
        EXPECT_TRUE(cancel.status == 202 || cancel.status == 503) << cancel.status << " " << cancel.body;
        return cancel.status != 503;
      },
      std::chrono::seconds(60)))
      << logs();
  EXPECT_EQ(answer, 202);
  EXPECT_EQ(other().wait_run(run)["status"], "cancelled") << logs();
}

}  // namespace
}  // namespace weft::test
