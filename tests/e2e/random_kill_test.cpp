// weftd killed with SIGKILL at random moments through a run of many for_each
// tasks with retries, and started again each time: the run ends once, every
// task succeeded, no task that had succeeded before a kill ran again, and the
// outputs are whole.
//
// Each attempt appends "<task> <attempt>" to a shared file when it starts;
// every fifth item fails its first attempt (and is retried). The test command
// runs 200 tasks and 3 kills; bench/README.md runs the same test at scale
// (WEFT_RANDOM_KILL_TASKS, WEFT_RANDOM_KILLS).
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <thread>

namespace weft::test {
namespace {

using nlohmann::json;

int from_env(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

// How many lines of `lines` each task has, by task name.
std::map<std::string, int> attempts_started(const std::filesystem::path& lines) {
  std::map<std::string, int> count;
  for (const auto& line : read_lines(lines)) ++count[line.substr(0, line.find(' '))];
  return count;
}

TEST(RandomKills, EveryTaskSucceedsOnceThroughRepeatedKills) {
  const int tasks = from_env("WEFT_RANDOM_KILL_TASKS", 200);
  const int kills = from_env("WEFT_RANDOM_KILLS", 3);
  TempDir dir;
  const auto lines = dir.path() / "attempts";
  const std::string script = "echo \"work[$WEFT_INDEX] $WEFT_ATTEMPT\" >> " + quoted(lines) +
                             "\n"
                             "sleep 0.1\n"
                             "if [ $(($1 % 5)) -eq 0 ] && [ \"$WEFT_ATTEMPT\" = 1 ]; then exit 3; fi\n"
                             "printf '{\"item\": %s}' \"$1\" > \"$WEFT_OUTPUT\"";
  json items = json::array();
  for (int i = 0; i < tasks; ++i) items.push_back(i);
  const auto document = workflow(
      "random-kills",
      {sh("work", script, {"{{ item }}"}).for_each("{{ params.items }}").retry(3, 0.05), noop("done").after({"work"})},
      {{"params", {{"items", items}}}, {"max_parallel", 8}});

  WeftdProcess weftd;
  const std::string run_id = weftd.start_adhoc(document);
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> life_ms(100, 500);
  int killed_while_running = 0;
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(life_ms(random)));
    // What had succeeded before this kill, and how often each of those started.
    // (The tasks first: one that had succeeded then wrote all its lines before.)
    std::map<std::string, int> succeeded_before;
    const auto tasks_now = weftd.tasks(run_id);
    const auto started = attempts_started(lines);
    for (const auto& [id, task] : tasks_now) {
      if (task["status"] == "succeeded" && started.count(id) > 0) succeeded_before[id] = started.at(id);
    }
    const bool final = weftd.client().get("/api/v1/runs/" + run_id).json()["status"] == "succeeded";
    weftd.kill_hard();
    if (!final) ++killed_while_running;
    weftd.start();
    // A kill may come while a task appends its line: read the file once weftd
    // is back (its tasks are gone by then).
    const auto started_after = attempts_started(lines);
    for (const auto& [id, count] : succeeded_before) {
      EXPECT_EQ(started_after.at(id), count) << id << " started again after it had succeeded (kill " << k + 1 << ")";
    }
  }
  EXPECT_EQ(killed_while_running, kills) << "the run finished before the kills were done; make it longer";

  const auto run = weftd.wait_run(run_id, std::chrono::seconds(300));
  ASSERT_EQ(run["status"], "succeeded") << run.dump() << weftd.log();
  const auto all = weftd.tasks(run_id);
  const json outputs = weftd.results(run_id)["outputs"]["work"];
  ASSERT_EQ(outputs.size(), static_cast<size_t>(tasks));
  for (int i = 0; i < tasks; ++i) {
    const std::string id = "work[" + std::to_string(i) + "]";
    ASSERT_EQ(all.count(id), 1u) << id;
    EXPECT_EQ(all.at(id)["status"], "succeeded") << id;
    EXPECT_EQ(outputs[i], json({{"item", i}})) << id;
    // The attempt that succeeded started, and no later one did.
    const int succeeded_attempt = all.at(id)["attempt"].get<int>();
    EXPECT_GE(count_lines(lines, id + " " + std::to_string(succeeded_attempt)), 1) << id;
    EXPECT_EQ(count_lines(lines, id + " " + std::to_string(succeeded_attempt + 1)), 0) << id;
    // Every attempt before it was lost to a kill (which the retry budget does
    // not count) or is the one failure the script makes: a first attempt of
    // every fifth element.
    const auto attempts = weftd.client().get("/api/v1/runs/" + run_id + "/tasks/" + id + "/attempts").json()["items"];
    ASSERT_EQ(attempts.size(), static_cast<size_t>(succeeded_attempt)) << id << attempts.dump();
    for (const auto& attempt : attempts) {
      if (attempt["attempt"] == succeeded_attempt) {
        EXPECT_EQ(attempt["status"], "succeeded") << id << attempt.dump();
      } else if (attempt["exit_code"] == 3) {
        EXPECT_TRUE(i % 5 == 0 && attempt["attempt"] == 1) << id << attempt.dump();
      } else {
        EXPECT_EQ(attempt["error"].get<std::string>().rfind("lost:", 0), 0u) << id << attempt.dump();
      }
    }
  }
  EXPECT_EQ(all.at("done")["status"], "succeeded");
}

}  // namespace
}  // namespace weft::test
