// The run's, the node's and the daemon's limits on running tasks hold: never
// exceeded, and reached when there is enough work.
//
// Each task is a probe: it puts a file of its own in a shared directory, counts
// the files there (which never counts more tasks than are running, since a
// task removes its file before it ends) and appends the count to a log. Until
// some task has seen the limit reached, each waits for it, so that the limit
// is reached on a slow machine too; afterwards tasks just count and leave.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SchedulerLimits : public ::testing::Test {
 protected:
  // A for_each node of `tasks` probes that count into the directory `group`;
  // its items are the run param of the same name as the node, which
  // with_params() adds to the document (so call it after every probes()).
  Node probes(const std::string& id, const std::string& group, int tasks, int limit) {
    const fs::path directory = dir_.path() / group;
    fs::create_directories(directory / "running");
    const std::string script =
        "dir=$1; limit=$2; me=\"$dir/running/$WEFT_RUN_ID.$WEFT_NODE.$WEFT_INDEX\"; : > \"$me\"; i=0\n"
        "while :; do\n"
        "  set -- \"$dir\"/running/*; echo $# >> \"$dir/seen\"\n"
        "  if [ $# -ge \"$limit\" ]; then : > \"$dir/reached\"; fi\n"
        "  if [ -e \"$dir/reached\" ] || [ $i -ge 400 ]; then break; fi\n"
        "  i=$((i+1)); sleep 0.05\n"
        "done\n"
        "rm -f \"$me\"";
    params_[id] = json::array();
    for (int i = 0; i < tasks; ++i) params_[id].push_back(i);
    return sh(id, script, {directory.string(), std::to_string(limit)}).for_each("{{ params." + id + " }}");
  }

  json with_params(json extra = json::object()) const {
    extra["params"] = params_;
    return extra;
  }

  // The most tasks of `group` that any probe saw running at once.
  int most_seen_running(const std::string& group) const {
    int most = 0;
    for (const auto& line : read_lines(dir_.path() / group / "seen")) most = std::max(most, std::stoi(line));
    return most;
  }

  TempDir dir_;
  json params_ = json::object();
};

TEST_F(SchedulerLimits, ARunsMaxParallelIsNeverExceeded) {
  WeftdProcess weftd;
  const std::vector<Node> nodes = {probes("a", "run", 8, 3), probes("b", "run", 8, 3)};
  const auto document = workflow("run-limit", nodes, with_params({{"max_parallel", 3}}));
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(most_seen_running("run"), 3);
}

TEST_F(SchedulerLimits, ANodesMaxParallelIsNeverExceeded) {
  WeftdProcess weftd;
  const std::vector<Node> nodes = {probes("limited", "limited", 10, 2).max_parallel(2), probes("free", "free", 4, 4)};
  const auto document = workflow("node-limit", nodes, with_params());
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(most_seen_running("limited"), 2);
  EXPECT_EQ(most_seen_running("free"), 4);
}

TEST_F(SchedulerLimits, TheDaemonsMaxRunningTasksIsNeverExceededAcrossRuns) {
  WeftdOptions options;
  options.config = {{"limits", {{"max_running_tasks", 3}}}};
  WeftdProcess weftd(options);
  const std::vector<Node> nodes = {probes("p", "daemon", 6, 3)};
  const auto document = workflow("daemon-limit", nodes, with_params());
  weftd.apply(document);
  const std::string first = weftd.start_run("daemon-limit");
  const std::string second = weftd.start_run("daemon-limit");
  EXPECT_EQ(weftd.wait_run(first)["status"], "succeeded");
  EXPECT_EQ(weftd.wait_run(second)["status"], "succeeded");
  EXPECT_EQ(most_seen_running("daemon"), 3);
}

}  // namespace
}  // namespace weft::test
