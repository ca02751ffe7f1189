// Job arrays on the real Slurm of the fixture slurm_cluster, the executor
// driven in-process with the SDK's FakeHost as the daemon's event loop: the
// elements of a for_each started in one turn become one array within the
// node's max_parallel, each keeps its own files and result, MaxArraySize
// splits arrays, a retry is a job of its own, one element or all of them can
// be cancelled, and a new executor takes elements back with or without
// their ids.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>

#include "../job_array.hpp"
#include "../slurm_executor.hpp"
#include "slurm_cluster.hpp"

namespace weft::slurm {
namespace {

using nlohmann::json;
using sdk::testing::FakeHost;

constexpr auto kWait = std::chrono::seconds(90);

class SlurmArrays : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::assert_slurm_is_up());
    std::filesystem::create_directories(dir_ / "running");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  json config(const json& extra = json::object()) const {
    json c = {{"slurm_conf", WEFT_SLURM_CONF}, {"poll_interval_s", 0.2}};
    c.update(extra);
    return c;
  }

  // Element `index` of a for_each node of `count` elements.
  sdk::TaskSpec element(const std::string& node, int64_t index, int64_t count, const std::string& script,
                        int64_t max_parallel = 0, int32_t attempt = 1) const {
    sdk::TaskSpec t;
    t.run_id = "arrays-" + std::to_string(::getpid());
    t.node = node;
    t.index = index;
    t.attempt = attempt;
    t.for_each_count = count;
    t.max_parallel = max_parallel;
    t.task_key = t.run_id + "/" + node + "/" + std::to_string(index) + "/" + std::to_string(attempt);
    const std::string stem = (dir_ / (node + "." + std::to_string(index) + "." + std::to_string(attempt))).string();
    t.stdout_path = stem + ".stdout";
    t.stderr_path = stem + ".stderr";
    t.output_path = stem + ".output.json";
    t.command = sdk::Command{{"/bin/sh", "-c", script}, {}, "", "", json::object()};
    return t;
  }

  std::string external_id(const std::string& key, const FakeHost* host = nullptr) const {
    const auto started = (host != nullptr ? *host : host_).find(key, WEFT_EVENT_STARTED);
    return started ? started->external_id : std::string();
  }

  // The array job id of each external id ("<array>_<index>"); a plain job's is itself.
  static std::set<std::string> arrays_of(const std::vector<std::string>& external_ids) {
    std::set<std::string> arrays;
    for (const auto& id : external_ids) arrays.insert(id.substr(0, id.find('_')));
    return arrays;
  }

  bool all_finished(const std::vector<sdk::TaskSpec>& tasks) const {
    return std::all_of(tasks.begin(), tasks.end(),
                       [&](const sdk::TaskSpec& t) { return host_.find(t.task_key, WEFT_EVENT_FINISHED).has_value(); });
  }

  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("weft-slurm-arrays-" + std::to_string(::getpid()));
  FakeHost host_;
};

TEST_F(SlurmArrays, ElementsStartedInOneTurnAreOneArrayWithinTheNodesMaxParallel) {
  SlurmExecutor executor(host_.host(), config());
  constexpr int64_t kCount = 9;
  constexpr int64_t kLimit = 3;
  // Each element counts the elements running with it, then fails with its index's parity.
  const std::string running = (dir_ / "running").string();
  const std::string script = "touch '" + running + "'/$WEFT_INDEX; sleep 1; ls '" + running +
                             "' | wc -l > \"$WEFT_OUTPUT\"; rm '" + running +
                             "'/$WEFT_INDEX; echo out $WEFT_INDEX; echo err $WEFT_INDEX >&2; exit $((WEFT_INDEX % 2))";
  std::vector<sdk::TaskSpec> tasks;
  for (int64_t i = 0; i < kCount; ++i) tasks.push_back(element("fan", i, kCount, script, kLimit));
  for (const auto& t : tasks) executor.start(t);
  ASSERT_TRUE(host_.run_until([&] { return all_finished(tasks); }, kWait));

  std::vector<std::string> ids;
  for (const auto& t : tasks) {
    ids.push_back(external_id(t.task_key));
    EXPECT_EQ(ids.back().substr(ids.back().find('_') + 1), std::to_string(*t.index)) << ids.back();
    const auto end = host_.find(t.task_key, WEFT_EVENT_FINISHED);
    EXPECT_EQ(end->exit_code, *t.index % 2) << t.task_key << ": " << end->error;
    EXPECT_LE(json::parse(end->output_json).get<int>(), kLimit) << "more elements ran at once than max_parallel";
    std::ifstream out(t.stdout_path);
    std::ifstream err(t.stderr_path);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(out), {}), "out " + std::to_string(*t.index) + "\n");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(err), {}), "err " + std::to_string(*t.index) + "\n");
  }
  EXPECT_EQ(arrays_of(ids).size(), 1u) << "one sbatch for the lot";
}

TEST_F(SlurmArrays, MaxArraySizeSplitsAndARetryIsAJobOfItsOwn) {
  SlurmExecutor executor(host_.host(), config({{"max_array_size", 4}}));
  std::vector<sdk::TaskSpec> tasks;
  for (int64_t i = 0; i < 10; ++i) tasks.push_back(element("split", i, 10, "true"));
  tasks.push_back(element("split", 10, 11, "true", 0, 2));
  for (const auto& t : tasks) executor.start(t);
  ASSERT_TRUE(host_.run_until([&] { return all_finished(tasks); }, kWait));
  std::vector<std::string> ids;
  for (const auto& t : tasks) ids.push_back(external_id(t.task_key));
  EXPECT_EQ(arrays_of({ids.begin(), ids.begin() + 10}).size(), 3u) << "indices 0-3, 4-7, 8-9";
  EXPECT_EQ(ids.back().find('_'), std::string::npos) << "the second attempt is a plain job: " << ids.back();
  for (const auto& t : tasks) EXPECT_EQ(host_.find(t.task_key, WEFT_EVENT_FINISHED)->exit_code, 0) << t.task_key;
}

TEST_F(SlurmArrays, OneElementOrAllOfThemAreCancelled) {
  SlurmExecutor executor(host_.host(), config());
  std::vector<sdk::TaskSpec> tasks;
  for (int64_t i = 0; i < 4; ++i) tasks.push_back(element("held", i, 4, "sleep 300"));
  for (const auto& t : tasks) executor.start(t);
  ASSERT_TRUE(host_.run_until(
      [&] {
        return std::all_of(tasks.begin(), tasks.end(), [&](const auto& t) { return !external_id(t.task_key).empty(); });
      },
      kWait));

  ASSERT_TRUE(executor.cancel(tasks[1].task_key));
  ASSERT_TRUE(host_.run_until([&] { return host_.find(tasks[1].task_key, WEFT_EVENT_FINISHED).has_value(); }, kWait));
  EXPECT_EQ(host_.find(tasks[1].task_key, WEFT_EVENT_FINISHED)->error, "cancelled");
  host_.run_until([] { return false; }, std::chrono::milliseconds(600));  // three more polls
  for (const size_t i : {0, 2, 3}) {
    EXPECT_FALSE(host_.find(tasks[i].task_key, WEFT_EVENT_FINISHED)) << "element " << i << " ended with element 1";
  }

  for (const size_t i : {0, 2, 3}) ASSERT_TRUE(executor.cancel(tasks[i].task_key));
  ASSERT_TRUE(host_.run_until([&] { return all_finished(tasks); }, kWait));
  for (const auto& t : tasks) {
    const auto end = host_.find(t.task_key, WEFT_EVENT_FINISHED);
    EXPECT_EQ(end->error, "cancelled") << t.task_key;
    EXPECT_EQ(end->exit_code, 128 + SIGTERM);
  }
}

TEST_F(SlurmArrays, ANewExecutorTakesElementsBackByIdOrByTheArraysName) {
  const auto release = dir_ / "release";
  const std::string script =
      "while [ ! -e '" + release.string() + "' ]; do sleep 0.1; done; echo $WEFT_INDEX > \"$WEFT_OUTPUT\"";
  std::vector<sdk::TaskSpec> tasks;
  for (int64_t i = 0; i < 3; ++i) tasks.push_back(element("again", i, 3, script, 2));
  FakeHost first_host;  // the weftd that stopped
  {
    SlurmExecutor first(first_host.host(), config());
    for (const auto& t : tasks) first.start(t);
    ASSERT_TRUE(first_host.run_until(
        [&] {
          return std::all_of(tasks.begin(), tasks.end(),
                             [&](const auto& t) { return !external_id(t.task_key, &first_host).empty(); });
        },
        kWait));
  }  // its jobs keep running
  const std::string by_id = external_id(tasks[0].task_key, &first_host);
  const std::string by_name = external_id(tasks[2].task_key, &first_host);

  SlurmExecutor second(host_.host(), config());
  second.recover(tasks[0], by_id);
  second.recover(tasks[1], "");  // weftd died before it stored the element's id
  second.recover(tasks[2], "");  // and this one is still pending in the array (%2)
  std::ofstream(release).put('\n');
  ASSERT_TRUE(host_.run_until([&] { return all_finished(tasks); }, kWait));
  EXPECT_EQ(external_id(tasks[2].task_key), by_name) << "found in the array's pending remainder or its own record";
  for (const auto& t : tasks) {
    const auto end = host_.find(t.task_key, WEFT_EVENT_FINISHED);
    EXPECT_EQ(end->exit_code, 0) << t.task_key << ": " << end->error;
    EXPECT_EQ(end->output_json, std::to_string(*t.index) + "\n") << t.task_key;
  }
}

}  // namespace
}  // namespace weft::slurm
