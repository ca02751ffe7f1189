// Several weftd instances on one PostgreSQL database (a server of the
// test's own): they share the runs, and when one is killed with SIGKILL the
// others take its runs over once its leases run out, recovering its tasks
// through their executors, without running a task that had succeeded again.
#include "own_postgres.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace weft::test {
namespace {

using nlohmann::json;

constexpr int kLeaseS = 3;
constexpr int kInstances = 3;
constexpr int kRunsPerInstance = 4;
constexpr int kTasksPerRun = 25;  // 300 tasks in all

class ScaleOut : protected OwnPostgres, public ::testing::Test {
 protected:
  ScaleOut() {
    for (int i = 0; i < kInstances; ++i) {
      const json config = {{"storage", server_.store_config()},
                           {"instance", {{"id", instance_id(i)}, {"lease_s", kLeaseS}}},
                           {"limits", {{"max_running_tasks", 6}}}};
      instances_.push_back(std::make_unique<WeftdProcess>(with_config(config)));
    }
  }

  static std::string instance_id(int i) { return "instance-" + std::to_string(i + 1); }
  const WeftdProcess& instance(int i) const { return *instances_[static_cast<size_t>(i)]; }

  // One for_each node whose tasks each record "<run>/<index>" in ran_ and
  // take a moment, so that a kill lands while tasks run.
  json fan_out() const {
    const std::string script =
        "echo \"$WEFT_RUN_ID/$WEFT_INDEX\" >> " + quoted(ran_) + "; sleep 0.1; echo 1 > \"$WEFT_OUTPUT\"";
    return workflow("fan-out", {sh("each", script).for_each("{{ params.items }}")},
                    {{"params", {{"items", json::array()}}}});
  }

  json items() const {
    json items = json::array();
    for (int i = 0; i < kTasksPerRun; ++i) items.push_back(i);
    return items;
  }

  // Tasks that succeeded so far, as "<run>/<index>", over every run.
  std::set<std::string> succeeded(const WeftdProcess& via, const std::vector<std::string>& runs) const {
    std::set<std::string> done;
    for (const auto& run : runs) {
      for (const auto& [id, task] : via.tasks(run)) {
        if (task["status"] == "succeeded" && task.contains("index") && task["index"].is_number()) {
          done.insert(run + "/" + std::to_string(task["index"].get<int>()));
        }
      }
    }
    return done;
  }

  json instances(const WeftdProcess& via) const {
    const auto r = via.client().get("/api/v1/instances");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : json::object();
  }

  int64_t runs_held(const WeftdProcess& via, const std::string& id) const {
    const json listed = instances(via);  // kept: the loop would otherwise walk a destroyed temporary
    for (const auto& instance : listed.value("items", json::array())) {
      if (instance["id"] == id) return instance["runs_held"].get<int64_t>();
    }
    return -1;
  }

  std::string logs() const {
    std::string all;
    for (int i = 0; i < kInstances; ++i) all += "--- " + instance_id(i) + "\n" + instance(i).log();
    return all;
  }

  TempDir dir_;
  std::filesystem::path ran_ = dir_.path() / "ran";
  std::vector<std::unique_ptr<WeftdProcess>> instances_;
};

TEST_F(ScaleOut, ADeadInstancesRunsAreTakenOverAndEveryRunCompletesWithoutRerunningSucceededTasks) {
  std::vector<std::string> runs;
  std::vector<std::string> runs_of_victim;
  for (int r = 0; r < kRunsPerInstance; ++r) {
    for (int i = 0; i < kInstances; ++i) {
      runs.push_back(instance(i).start_adhoc(fan_out(), {{"items", items()}}));
      if (i == 0) runs_of_victim.push_back(runs.back());
    }
  }
  ASSERT_EQ(runs_held(instance(1), instance_id(0)), kRunsPerInstance) << "the instance a run was sent to holds it";

  // Halfway: a third of the tasks done, so the victim has tasks under way.
  ASSERT_TRUE(eventually([&] { return succeeded(instance(1), runs).size() >= runs.size() * kTasksPerRun / 3; },
                         std::chrono::seconds(60)))
      << logs();
  instances_[0]->kill_hard();
  const std::set<std::string> done_before = succeeded(instance(1), runs);

  // Its runs pass to the others once its leases run out. When (not before
  // the lease, within a bound) is checked on virtual time in the scheduler's
  // leases_test; here only that they do.
  ASSERT_TRUE(eventually([&] { return runs_held(instance(1), instance_id(0)) == 0; }, std::chrono::seconds(60)))
      << logs();

  for (const auto& run : runs) {
    EXPECT_EQ(instance(1).wait_run(run, std::chrono::seconds(120))["status"], "succeeded") << run << "\n" << logs();
  }
  std::map<std::string, int> times_ran;
  for (const auto& line : read_lines(ran_)) ++times_ran[line];
  for (const auto& run : runs) {
    for (int i = 0; i < kTasksPerRun; ++i) {
      const std::string task = run + "/" + std::to_string(i);
      EXPECT_GE(times_ran[task], 1) << task << " never ran";
      if (done_before.count(task)) {
        EXPECT_EQ(times_ran[task], 1) << task << " had succeeded and ran again";
      }
    }
  }
  const json listed = instances(instance(2));
  EXPECT_TRUE(listed["shared"].get<bool>());
  EXPECT_EQ(listed["items"].size(), size_t{kInstances});
  EXPECT_TRUE(instance(1).log().find("taken over") != std::string::npos ||
              instance(2).log().find("taken over") != std::string::npos)
      << "no surviving instance says it took a run over";
}

}  // namespace
}  // namespace weft::test
