#include "executor_throughput.hpp"

#include <chrono>
#include <cstdio>

namespace weft::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

size_t count_of(const sdk::testing::FakeHost& host, weft_task_event_kind kind) {
  size_t n = 0;
  for (const auto& e : host.events()) n += e.kind == kind ? 1 : 0;
  return n;
}

}  // namespace

Throughput run_tasks(sdk::Executor& executor, sdk::testing::FakeHost& host, int tasks, const std::string& dir,
                     const std::string& script) {
  Throughput t;
  t.tasks = tasks;
  const auto start = Clock::now();
  for (int i = 0; i < tasks; ++i) {
    sdk::TaskSpec task;
    task.task_key = "bench/" + std::to_string(i);
    task.run_id = "bench";
    task.node = "n" + std::to_string(i);
    task.stdout_path = dir + "/logs/" + std::to_string(i) + ".out";
    task.stderr_path = dir + "/logs/" + std::to_string(i) + ".err";
    task.output_path = dir + "/logs/" + std::to_string(i) + ".json";
    task.command = sdk::Command{{"/bin/sh", "-c", script}, {}, "", "", {}};
    executor.start(task);
  }
  t.queued_s = seconds_since(start);
  const auto timeout = std::chrono::minutes(10);
  const auto all = static_cast<size_t>(tasks);
  host.run_until([&] { return count_of(host, WEFT_EVENT_STARTED) == all; }, timeout);
  t.started_s = seconds_since(start);
  host.run_until([&] { return count_of(host, WEFT_EVENT_FINISHED) + count_of(host, WEFT_EVENT_LOST) == all; }, timeout);
  t.finished_s = seconds_since(start);
  t.finished = count_of(host, WEFT_EVENT_FINISHED);
  t.lost = count_of(host, WEFT_EVENT_LOST);
  return t;
}

void print(const Throughput& t, const std::string& engine, double poll_s) {
  std::printf("tasks %d, poll interval %.2f s\n", t.tasks, poll_s);
  std::printf("start() for all (on the loop thread): %.3f s\n", t.queued_s);
  std::printf("all created in %s (STARTED): %.3f s  (%.0f tasks/s)\n", engine.c_str(), t.started_s,
              t.tasks / t.started_s);
  std::printf("all ended (FINISHED, logs read):      %.3f s\n", t.finished_s);
  std::printf("finished: %zu, lost: %zu\n", t.finished, t.lost);
}

}  // namespace weft::bench
