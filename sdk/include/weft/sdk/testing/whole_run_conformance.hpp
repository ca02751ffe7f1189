// The conformance suite for executors that take whole runs (ABI 2.1:
// WEFT_EXECUTOR_CAP_WHOLE_RUN, start_run and cancel_run), on top of the suite
// every executor passes. Include this header in one .cpp, set
// make_whole_run_command in the ExecutorUnderTest, and instantiate it beside
// the other:
//
//   WEFT_EXECUTOR_CONFORMANCE(Argo, argo_executor());
//   WEFT_WHOLE_RUN_CONFORMANCE(Argo, argo_executor());
//
// What it pins, from weft_abi.h:
// - the host hands a run over once, before any of its tasks, then starts each
//   task when its upstream has ended; each task ends with one FINISHED, and a
//   node reads its upstream's whole output through "{{nodes.<id>.output}}";
// - cancel_run stops what runs of the run, a node whose task the host never
//   started included; for a run the executor does not know it is WEFT_OK.
#pragma once

#include <map>
#include <string>
#include <vector>
#include <weft/sdk/run_graph.hpp>
#include <weft/sdk/testing/executor_conformance.hpp>

namespace weft::sdk::testing {

class WholeRunConformance : public ExecutorConformance {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ExecutorConformance::SetUp());
    ASSERT_NE(vtable().capabilities & WEFT_EXECUTOR_CAP_WHOLE_RUN, 0u)
        << under_test().name << " does not declare WEFT_EXECUTOR_CAP_WHOLE_RUN";
    ASSERT_TRUE(vtable().start_run != nullptr && vtable().cancel_run != nullptr)
        << "start_run and cancel_run are required of an executor that takes whole runs";
    ASSERT_TRUE(under_test().make_whole_run_command) << "the ExecutorUnderTest sets no make_whole_run_command";
  }

  // Node `id` of this test's run, running script, after `dependencies`.
  RunNode node(const std::string& id, const std::string& script, std::vector<std::string> dependencies = {}) const {
    TaskSpec spec = task(id, script);
    spec.command = under_test().make_whole_run_command(script);
    return {std::move(spec), std::move(dependencies), ""};
  }

  weft_status start_run(const std::vector<RunNode>& nodes, std::string* message = nullptr) {
    const RunGraph graph{run_id(), "conformance", nodes};
    const AbiRunGraph abi(graph);  // borrows graph's strings
    weft_error err{};
    const weft_status status = vtable().start_run(executor(), abi.get(), &err);
    if (message != nullptr) *message = err.message;
    return status;
  }
  void start_run_ok(const std::vector<RunNode>& nodes) {
    std::string message;
    ASSERT_EQ(start_run(nodes, &message), WEFT_OK) << "start_run failed: " << message;
  }

  weft_status cancel_run(const std::string& id, std::string* message = nullptr) {
    weft_error err{};
    const weft_status status = vtable().cancel_run(executor(), str(id), &err);
    if (message != nullptr) *message = err.message;
    return status;
  }

  // The task of `node` as the host starts it once its upstream has ended:
  // the references to upstream outputs in its command rendered.
  static TaskSpec task_of(const RunNode& node, const std::map<std::string, std::string>& outputs = {}) {
    TaskSpec spec = node.task;
    for (auto& arg : spec.command->argv) {
      for (const auto& [id, output] : outputs) {
        const std::string reference = output_reference(id);
        for (auto at = arg.find(reference); at != std::string::npos; at = arg.find(reference, at + output.size())) {
          arg.replace(at, reference.size(), output);
        }
      }
    }
    return spec;
  }
};

TEST_P(WholeRunConformance, EachTaskEndsWithItsNodesOutputAndReadsItsUpstreams) {
  const RunNode first = node("first", write_output("[1,2]"));
  const RunNode second = node("second", write_output(output_reference("first")), {"first"});
  ASSERT_NO_FATAL_FAILURE(start_run_ok({first, second}));
  const RecordedEvent first_end = run(task_of(first));
  EXPECT_EQ(first_end.exit_code, 0) << executor_conformance::describe(first_end);
  EXPECT_EQ(nlohmann::json::parse(first_end.output_json, nullptr, false), nlohmann::json({1, 2}))
      << first_end.output_json;
  const RecordedEvent second_end = run(task_of(second, {{"first", "[1,2]"}}));
  EXPECT_EQ(second_end.exit_code, 0) << executor_conformance::describe(second_end);
  EXPECT_EQ(nlohmann::json::parse(second_end.output_json, nullptr, false), nlohmann::json({1, 2}))
      << "second did not read first's output: " << second_end.output_json;
}

// The host ends the tasks it has not started at once, telling the executor
// nothing of them: only cancel_run stops their nodes where they run.
TEST_P(WholeRunConformance, CancelRunStopsANodeWhoseTaskTheHostNeverStarted) {
  if (!under_test().local_processes) GTEST_SKIP() << "the node's processes cannot be seen from here";
  const RunNode slow = node("slow", record_pid("$$", "slow.pid") + "; sleep 120");
  ASSERT_NO_FATAL_FAILURE(start_run_ok({slow}));
  ASSERT_TRUE(wait_for_lines(pid_file("slow.pid"), 1)) << "the run's node never ran";
  std::string message;
  ASSERT_EQ(cancel_run(run_id(), &message), WEFT_OK) << message;
  EXPECT_TRUE(wait_gone(executor_conformance::pids_in(pid_file("slow.pid")))) << "cancel_run left the node running";
}

TEST_P(WholeRunConformance, CancelRunOfARunTheExecutorDoesNotKnowIsOk) {
  std::string message;
  EXPECT_EQ(cancel_run(run_id() + "-never-handed-over", &message), WEFT_OK) << message;
}

}  // namespace weft::sdk::testing

// Runs the suite against executors that take whole runs; arguments as
// WEFT_EXECUTOR_CONFORMANCE's. Use at namespace scope.
#define WEFT_WHOLE_RUN_CONFORMANCE(prefix, ...)                                         \
  using weft::sdk::testing::WholeRunConformance;                                        \
  INSTANTIATE_TEST_SUITE_P(prefix, WholeRunConformance, ::testing::Values(__VA_ARGS__), \
                           [](const auto& info) { return info.param.name; })
