// The slurm executor inside a real weftd, on the real single-node Slurm that
// the ctest fixture slurm_cluster starts: a workflow mixing `process` and
// `slurm` nodes (a for_each of 200 elements as one job array, resources, a
// timeout, a retry), cancel, and a kill -9 of weftd in the middle of a run,
// through each of the executor's transports. What Slurm did is read back with
// squeue: every job's name is its task key, or for an array
// <run>/<node>/array-from-<base>/<attempt>, both starting with the run id.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "slurm_cluster.hpp"
#include "weftd_process.hpp"
#include "workflows.hpp"

namespace weft::test {
namespace {

using nlohmann::json;

struct Job {
  std::string state;
  std::string node;   // from the job name <run>/<node>/...
  std::string array;  // an element's array job id; empty for a plain job
};

// Every job Slurm remembers of the run, by job id (an array's pending
// remainder, which shares the array's id, is left out).
std::map<std::string, Job> jobs_of(const std::string& run_id) {
  const std::string command =
      std::string("SLURM_CONF=") + WEFT_SLURM_CONF +
      " squeue --noheader --states=all --Format='JobID:|,ArrayJobID:|,ArrayTaskID:|,State:|,Name:'";
  std::map<std::string, Job> jobs;
  FILE* out = ::popen(command.c_str(), "r");
  if (out == nullptr) return jobs;
  char line[4096];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t bar = 0; fields.size() < 4 && (bar = text.find('|', start)) != std::string::npos; start = bar + 1) {
      fields.push_back(text.substr(start, bar - start));
    }
    if (fields.size() < 4) continue;
    const std::string name = text.substr(start);
    const std::string& array_task = fields[2];
    if (name.rfind(run_id + "/", 0) != 0 || array_task.find_first_of("-,") != std::string::npos) continue;
    const std::string rest = name.substr(run_id.size() + 1);
    jobs[fields[0]] = {fields[3], rest.substr(0, rest.find('/')), array_task == "N/A" ? "" : fields[1]};
  }
  ::pclose(out);
  return jobs;
}

int jobs_of_node(const std::map<std::string, Job>& jobs, const std::string& node) {
  int count = 0;
  for (const auto& [id, job] : jobs) count += job.node == node ? 1 : 0;
  return count;
}

// The array job ids of a node's jobs; "" stands for plain jobs.
std::set<std::string> arrays_of_node(const std::map<std::string, Job>& jobs, const std::string& node) {
  std::set<std::string> arrays;
  for (const auto& [id, job] : jobs) {
    if (job.node == node) arrays.insert(job.array);
  }
  return arrays;
}

json items(int count) {
  json list = json::array();
  for (int i = 0; i < count; ++i) list.push_back(i);
  return list;
}

bool none_left_running(const std::string& run_id) {
  for (const auto& [id, job] : jobs_of(run_id)) {
    if (job.state == "PENDING" || job.state == "RUNNING" || job.state == "COMPLETING") return false;
  }
  return true;
}

// The node at `position` of the document runs on slurm, with `extra` fields.
void on_slurm(json& document, size_t position, const json& extra = json::object()) {
  document["nodes"][position]["executor"] = "slurm";
  document["nodes"][position].merge_patch(extra);
}

WeftdOptions with_slurm(const std::string& transport) {
  auto slurm = slurm::testing::transport_config(transport);
  slurm["poll_interval_s"] = 0.2;
  WeftdOptions options;
  options.config = {{"executors", {{"slurm", slurm}}}};
  return options;
}

class SlurmInWeftd : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(slurm::testing::assert_slurm_is_up()); }

  WeftdProcess weftd_{with_slurm(GetParam())};
  TempDir dir_;
};

TEST_P(SlurmInWeftd, AWorkflowOnProcessAndSlurmMapsResourcesTimesOutAndRetries) {
  constexpr int kElements = 200;
  const auto flag = dir_.path() / "flaky-failed-once";
  auto document =
      workflow("mixed",
               {sh("local", "printf '{\"n\": 2}' > \"$WEFT_OUTPUT\""),
                sh("sized",
                   "printf '{\"cpus\": %s, \"mem\": %s, \"partition\": \"%s\", \"from\": %s}' \"$SLURM_CPUS_PER_TASK\" "
                   "\"$SLURM_MEM_PER_NODE\" \"$SLURM_JOB_PARTITION\" \"$1\" > \"$WEFT_OUTPUT\"",
                   {"{{ nodes.local.output.n }}"})
                    .after({"local"}),
                sh("slow", "sleep 120").timeout_s(3),
                sh("flaky", "[ -e " + quoted(flag) + " ] || { touch " + quoted(flag) + "; exit 3; }").retry(2, 0.1),
                sh("misplaced", "true"),
                sh("fan", "echo $(($1 * 2)) > \"$WEFT_OUTPUT\"", {"{{ item }}"})
                    .for_each("{{ params.items }}")
                    .max_parallel(16)},
               {{"params", {{"items", items(kElements)}}}});
  on_slurm(
      document, 1,
      {{"resources", {{"cpus", 2}, {"memory_mb", 100}}}, {"params", {{"executor_options", {{"partition", "debug"}}}}}});
  on_slurm(document, 2);
  on_slurm(document, 3);
  on_slurm(document, 4, {{"params", {{"executor_options", {{"partition", "no-such-partition"}}}}}});
  on_slurm(document, 5);
  const std::string run_id = weftd_.start_adhoc(document);

  EXPECT_EQ(weftd_.wait_run(run_id, std::chrono::seconds(90))["status"], "failed") << weftd_.log();
  auto tasks = weftd_.tasks(run_id);
  EXPECT_EQ(tasks["local"]["status"], "succeeded");
  EXPECT_EQ(tasks["sized"]["status"], "succeeded") << tasks["sized"];
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["sized"],
            json({{"cpus", 2}, {"mem", 100}, {"partition", "debug"}, {"from", 2}}));
  EXPECT_EQ(tasks["slow"]["status"], "failed");
  EXPECT_NE(tasks["slow"]["error"].dump().find("timed out"), std::string::npos) << tasks["slow"];
  EXPECT_EQ(tasks["flaky"]["status"], "succeeded") << tasks["flaky"];
  EXPECT_EQ(tasks["flaky"]["attempt"], 2);
  EXPECT_EQ(tasks["misplaced"]["status"], "failed");
  EXPECT_NE(tasks["misplaced"]["error"].dump().find("Slurm refused the job"), std::string::npos) << tasks["misplaced"];
  EXPECT_EQ(tasks["fan"]["status"], "succeeded") << tasks["fan"];
  std::set<std::string> fan_arrays;
  for (int i = 0; i < kElements; ++i) {
    const auto& element = tasks["fan[" + std::to_string(i) + "]"];
    EXPECT_EQ(element["status"], "succeeded") << element;
    const std::string id = element["external_id"].get<std::string>();
    EXPECT_EQ(id.substr(id.find('_') + 1), std::to_string(i)) << "not element " << i << " of an array: " << id;
    fan_arrays.insert(id.substr(0, id.find('_')));
  }
  EXPECT_EQ(fan_arrays.size(), 1u) << "the for_each was not one array job";
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["fan"][kElements - 1], 2 * (kElements - 1));

  const auto jobs = jobs_of(run_id);
  EXPECT_EQ(jobs_of_node(jobs, "local"), 0) << "the process node ran on Slurm";
  EXPECT_EQ(jobs_of_node(jobs, "sized"), 1);
  EXPECT_EQ(jobs_of_node(jobs, "slow"), 1);
  EXPECT_EQ(jobs_of_node(jobs, "flaky"), 2) << "one job per attempt";
  EXPECT_EQ(jobs_of_node(jobs, "fan"), kElements);
  EXPECT_EQ(arrays_of_node(jobs, "fan"), fan_arrays) << "squeue knows one array of 200 elements";
  EXPECT_TRUE(eventually([&] { return none_left_running(run_id); })) << "the timed-out job still runs";
}

TEST_P(SlurmInWeftd, CancellingARunCancelsItsSlurmJobs) {
  const auto started = [&](const char* node) { return dir_.path() / (std::string(node) + ".started"); };
  const auto elements_started = dir_.path() / "elements";
  auto document = workflow(
      "cancelled",
      {sh("a", "touch " + quoted(started("a")) + "; sleep 300"),
       sh("b", "touch " + quoted(started("b")) + "; sleep 300"),
       sh("each", record_run_in(elements_started) + "; sleep 300").for_each("{{ params.items }}").max_parallel(2)},
      {{"params", {{"items", items(5)}}}});
  for (size_t i = 0; i < 3; ++i) on_slurm(document, i);
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] {
    return std::filesystem::exists(started("a")) && std::filesystem::exists(started("b")) &&
           read_lines(elements_started).size() == 2;
  })) << weftd_.log();

  const auto response = weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "cancelled");
  EXPECT_TRUE(eventually([&] { return none_left_running(run_id); })) << "a job outlived the cancel";
  const auto jobs = jobs_of(run_id);
  EXPECT_EQ(jobs_of_node(jobs, "a") + jobs_of_node(jobs, "b"), 2);
  EXPECT_EQ(arrays_of_node(jobs, "each").size(), 1u);
  for (const auto& [id, job] : jobs) EXPECT_EQ(job.state, "CANCELLED") << "job " << id << " of " << job.node;
  EXPECT_EQ(read_lines(elements_started).size(), 2u) << "an element past max_parallel started";
}

TEST_P(SlurmInWeftd, AfterAKill9AndARestartTheRunFinishesWithNoJobSubmittedTwice) {
  const auto ran = dir_.path() / "ran";
  const auto release = dir_.path() / "release";
  auto document = workflow(
      "crash",
      {sh("first", record_run_in(ran) + "; echo 1 > \"$WEFT_OUTPUT\""),
       sh("held", record_run_in(ran) + "; " + wait_for_file(release) + "; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"",
          {"{{ nodes.first.output }}"})
           .after({"first"}),
       sh("last", record_run_in(ran) + "; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes.held.output }}"})
           .after({"held"}),
       sh("fan", record_run_in(ran) + "; " + wait_for_file(release) + "; echo $1 > \"$WEFT_OUTPUT\"", {"{{ item }}"})
           .for_each("{{ params.items }}")
           .max_parallel(2)
           .after({"first"})},
      {{"params", {{"items", items(4)}}}});
  for (size_t i = 0; i < 4; ++i) on_slurm(document, i);
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] {
    return count_lines(ran, "held") == 1 && count_lines(ran, "fan[0]") == 1 && count_lines(ran, "fan[1]") == 1;
  })) << weftd_.log();

  weftd_.kill_hard();
  weftd_.start();
  std::ofstream(release).put('\n');

  EXPECT_EQ(weftd_.wait_run(run_id, std::chrono::seconds(90))["status"], "succeeded") << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["last"], 3);
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["fan"], items(4));
  for (const char* task : {"first", "held", "last", "fan[0]", "fan[1]", "fan[2]", "fan[3]"}) {
    EXPECT_EQ(count_lines(ran, task), 1) << task << " ran again";
  }
  const auto jobs = jobs_of(run_id);
  for (const char* node : {"first", "held", "last"}) EXPECT_EQ(jobs_of_node(jobs, node), 1) << node;
  EXPECT_EQ(jobs_of_node(jobs, "fan"), 4);
  EXPECT_EQ(arrays_of_node(jobs, "fan").size(), 1u) << "the array was submitted again";
}

INSTANTIATE_TEST_SUITE_P(Transports, SlurmInWeftd, ::testing::ValuesIn(slurm::testing::kTransports),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace weft::test
