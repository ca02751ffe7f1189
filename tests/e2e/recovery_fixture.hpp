// The pieces of the durability tests that every store shares: a chain of
// tasks whose third waits for the test's word, the checks of how often each
// task ran, and the kill -9 scenario itself. recovery_test.cpp runs them on
// the default store (SQLite), postgres_test.cpp on PostgreSQL.
#pragma once

#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>

namespace weft::test {

class RecoveryFixture : public ::testing::Test {
 protected:
  explicit RecoveryFixture(const WeftdOptions& options = {}) : weftd_(options) {}

  // first -> second -> held -> last, each adding one to its parent's output;
  // `held` appends its pid to `held_pids_` and waits for `release_`.
  nlohmann::json chain() const {
    const std::string add_one = "echo $(($1 + 1)) > \"$WEFT_OUTPUT\"";
    return workflow("recovered-chain",
                    {sh("first", record_run_in(ran_) + "; echo 1 > \"$WEFT_OUTPUT\""),
                     sh("second", record_run_in(ran_) + "; " + add_one, {"{{ nodes.first.output }}"}).after({"first"}),
                     sh("held",
                        record_run_in(ran_) + "; echo $$ >> " + quoted(held_pids_) + "; " + wait_for_file(release_) +
                            "; " + add_one,
                        {"{{ nodes.second.output }}"})
                         .after({"second"}),
                     sh("last", record_run_in(ran_) + "; " + add_one, {"{{ nodes.held.output }}"}).after({"held"})});
  }

  // Waits until every named task has the given status in the store.
  bool tasks_reach(const std::string& run_id, const std::map<std::string, std::string>& expected) const {
    return eventually([&] {
      const auto tasks = weftd_.tasks(run_id);
      return std::all_of(expected.begin(), expected.end(), [&](const auto& e) {
        const auto task = tasks.find(e.first);
        return task != tasks.end() && task->second["status"] == e.second;
      });
    });
  }

  void crash_and_restart() {
    weftd_.kill_hard();
    weftd_.start();
  }

  void release() const { std::ofstream(release_).put('\n'); }

  // The chain finished once, each task's output its parent's plus one, and
  // every task ran `held_runs` times but held, which ran held_runs times.
  void expect_chain_finished(const std::string& run_id, int held_runs) const {
    EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << weftd_.log();
    EXPECT_EQ(count_lines(ran_, "first"), 1);
    EXPECT_EQ(count_lines(ran_, "second"), 1);
    EXPECT_EQ(count_lines(ran_, "held"), held_runs);
    EXPECT_EQ(count_lines(ran_, "last"), 1);
    const auto outputs = weftd_.results(run_id)["outputs"];
    EXPECT_EQ(outputs["first"], 1);
    EXPECT_EQ(outputs["second"], 2);
    EXPECT_EQ(outputs["last"], 4);
  }

  // weftd killed with SIGKILL while `held` runs, then started again: the run
  // finishes, `held` runs again, and no task that had succeeded runs twice.
  void expect_killed_chain_finishes_without_rerunning_succeeded_tasks() {
    const std::string run_id = weftd_.start_adhoc(chain());
    ASSERT_TRUE(tasks_reach(run_id, {{"first", "succeeded"}, {"second", "succeeded"}, {"held", "running"}}))
        << weftd_.log();

    crash_and_restart();
    release();

    expect_chain_finished(run_id, 2);
  }

  WeftdProcess weftd_;
  TempDir dir_;
  std::filesystem::path ran_ = dir_.path() / "ran";
  std::filesystem::path release_ = dir_.path() / "release";
  std::filesystem::path held_pids_ = dir_.path() / "held.pids";
};

}  // namespace weft::test
