// The slurm executor inside a real weftd, on the real single-node Slurm that
// the ctest fixture slurm_cluster starts: a workflow mixing `process` and
// `slurm` nodes (resources, a timeout, a retry), cancel, and a kill -9 of
// weftd in the middle of a run, through each of the executor's transports.
// What Slurm did is read back with squeue: every job's name is its task key,
// which starts with the run id.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
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
  std::string node;  // from the job name <run>/<node>/<index>/<attempt>
};

// Every job Slurm remembers of the run, by job id.
std::map<std::string, Job> jobs_of(const std::string& run_id) {
  const std::string command =
      std::string("SLURM_CONF=") + WEFT_SLURM_CONF + " squeue --noheader --states=all --Format='JobID:|,State:|,Name:'";
  std::map<std::string, Job> jobs;
  FILE* out = ::popen(command.c_str(), "r");
  if (out == nullptr) return jobs;
  char line[4096];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    const auto first = text.find('|');
    const auto second = text.find('|', first + 1);
    if (second == std::string::npos) continue;
    const std::string name = text.substr(second + 1);
    if (name.rfind(run_id + "/", 0) != 0) continue;
    const std::string rest = name.substr(run_id.size() + 1);
    jobs[text.substr(0, first)] = {text.substr(first + 1, second - first - 1), rest.substr(0, rest.find('/'))};
  }
  ::pclose(out);
  return jobs;
}

int jobs_of_node(const std::map<std::string, Job>& jobs, const std::string& node) {
  int count = 0;
  for (const auto& [id, job] : jobs) count += job.node == node ? 1 : 0;
  return count;
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
  const auto flag = dir_.path() / "flaky-failed-once";
  auto document = workflow(
      "mixed", {sh("local", "printf '{\"n\": 2}' > \"$WEFT_OUTPUT\""),
                sh("sized",
                   "printf '{\"cpus\": %s, \"mem\": %s, \"partition\": \"%s\", \"from\": %s}' \"$SLURM_CPUS_PER_TASK\" "
                   "\"$SLURM_MEM_PER_NODE\" \"$SLURM_JOB_PARTITION\" \"$1\" > \"$WEFT_OUTPUT\"",
                   {"{{ nodes.local.output.n }}"})
                    .after({"local"}),
                sh("slow", "sleep 120").timeout_s(3),
                sh("flaky", "[ -e " + quoted(flag) + " ] || { touch " + quoted(flag) + "; exit 3; }").retry(2, 0.1),
                sh("misplaced", "true")});
  on_slurm(
      document, 1,
      {{"resources", {{"cpus", 2}, {"memory_mb", 100}}}, {"params", {{"executor_options", {{"partition", "debug"}}}}}});
  on_slurm(document, 2);
  on_slurm(document, 3);
  on_slurm(document, 4, {{"params", {{"executor_options", {{"partition", "no-such-partition"}}}}}});
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

  const auto jobs = jobs_of(run_id);
  EXPECT_EQ(jobs_of_node(jobs, "local"), 0) << "the process node ran on Slurm";
  EXPECT_EQ(jobs_of_node(jobs, "sized"), 1);
  EXPECT_EQ(jobs_of_node(jobs, "slow"), 1);
  EXPECT_EQ(jobs_of_node(jobs, "flaky"), 2) << "one job per attempt";
  EXPECT_TRUE(eventually([&] { return none_left_running(run_id); })) << "the timed-out job still runs";
}

TEST_P(SlurmInWeftd, CancellingARunCancelsItsSlurmJobs) {
  const auto started = [&](const char* node) { return dir_.path() / (std::string(node) + ".started"); };
  auto document = workflow("cancelled", {sh("a", "touch " + quoted(started("a")) + "; sleep 300"),
                                         sh("b", "touch " + quoted(started("b")) + "; sleep 300")});
  on_slurm(document, 0);
  on_slurm(document, 1);
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] {
    return std::filesystem::exists(started("a")) && std::filesystem::exists(started("b"));
  })) << weftd_.log();

  const auto response = weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "cancelled");
  const auto jobs = jobs_of(run_id);
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& [id, job] : jobs) EXPECT_EQ(job.state, "CANCELLED") << "job " << id << " of " << job.node;
}

TEST_P(SlurmInWeftd, AfterAKill9AndARestartTheRunFinishesWithNoJobSubmittedTwice) {
  const auto ran = dir_.path() / "ran";
  const auto release = dir_.path() / "release";
  auto document = workflow(
      "crash", {sh("first", record_run_in(ran) + "; echo 1 > \"$WEFT_OUTPUT\""),
                sh("held", record_run_in(ran) + "; " + wait_for_file(release) + "; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"",
                   {"{{ nodes.first.output }}"})
                    .after({"first"}),
                sh("last", record_run_in(ran) + "; echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes.held.output }}"})
                    .after({"held"})});
  for (size_t i = 0; i < 3; ++i) on_slurm(document, i);
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(eventually([&] { return count_lines(ran, "held") == 1; })) << weftd_.log();

  weftd_.kill_hard();
  weftd_.start();
  std::ofstream(release).put('\n');

  EXPECT_EQ(weftd_.wait_run(run_id, std::chrono::seconds(90))["status"], "succeeded") << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["last"], 3);
  for (const char* node : {"first", "held", "last"}) EXPECT_EQ(count_lines(ran, node), 1) << node << " ran again";
  const auto jobs = jobs_of(run_id);
  for (const char* node : {"first", "held", "last"}) EXPECT_EQ(jobs_of_node(jobs, node), 1) << node;
}

INSTANTIATE_TEST_SUITE_P(Transports, SlurmInWeftd, ::testing::ValuesIn(slurm::testing::kTransports),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace weft::test
