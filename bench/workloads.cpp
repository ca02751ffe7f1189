#include "workloads.hpp"

#include "spawn_loop.hpp"
#include "task_timings.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <thread>

namespace weft::bench {

namespace {

using nlohmann::json;

constexpr const char* kTrue = "/bin/true";
constexpr const char* kSleep = "/bin/sleep";
constexpr auto kRunTimeout = std::chrono::seconds(600);

constexpr int kFanoutTasks = 1000;
constexpr int kWideTasks = 10000;  // issue 9's for_each of 10,000 real processes
constexpr int kFanoutParallel = 64;
constexpr int kChainHops = 200;
constexpr int kSleepTasks = 500;
constexpr int kLayers = 10;
constexpr int kLayerWidth = 100;
constexpr int kNoopTasks = 10000;
constexpr int kSmallRuns = 2000;
constexpr int kRunClients = 8;
constexpr int kSharedRuns = 100;
constexpr int kSharedRunTasks = 10;
constexpr int kSharedSlots = 8;  // per instance: a run's tasks fill most of them

// "prefix<n>"; built by appending, which also keeps GCC 12's false -Wrestrict
// on `"literal" + std::string&&` quiet.
std::string numbered(const char* prefix, int n) { return std::string(prefix).append(std::to_string(n)); }

json indices(int count) {
  auto items = json::array();
  for (int i = 0; i < count; ++i) items.push_back(i);
  return items;
}

json command(const std::vector<std::string>& argv) { return {{"argv", argv}}; }

// One for_each node over `count` items.
json for_each_node(const std::string& id, const std::string& type, int count, const json& params,
                   std::optional<int> max_parallel) {
  json node = {{"id", id}, {"type", type}, {"for_each", "{{ params." + numbered("n", count) + " }}"}};
  if (!params.is_null()) node["params"] = params;
  if (max_parallel) node["max_parallel"] = *max_parallel;
  return node;
}

json workflow(const std::string& name, json nodes, const std::vector<int>& item_counts = {}) {
  json params = json::object();
  for (const int count : item_counts) params[numbered("n", count)] = indices(count);
  return {{"name", "bench-" + name}, {"params", params}, {"nodes", std::move(nodes)}};
}

json fanout_workflow(int tasks) {
  return workflow("fanout", {for_each_node("fan", "command", tasks, command({kTrue}), kFanoutParallel)}, {tasks});
}

json chain_workflow() {
  auto nodes = json::array();
  for (int hop = 0; hop < kChainHops; ++hop) {
    json node = {{"id", numbered("hop", hop)}, {"type", "command"}, {"params", command({kTrue})}};
    if (hop > 0) node["depends_on"] = {numbered("hop", hop - 1)};
    nodes.push_back(std::move(node));
  }
  return workflow("chain", std::move(nodes));
}

json sleeps_workflow() {
  return workflow("sleeps", {for_each_node("sleep", "command", kSleepTasks, command({kSleep, "2"}), kSleepTasks)},
                  {kSleepTasks});
}

// Each layer is one for_each node depending on the previous one, so each of
// its tasks waits for every task of the layer before.
json layered_workflow() {
  auto nodes = json::array();
  for (int layer = 0; layer < kLayers; ++layer) {
    json node = for_each_node(numbered("layer", layer), "command", kLayerWidth, command({kTrue}), std::nullopt);
    if (layer > 0) node["depends_on"] = {numbered("layer", layer - 1)};
    nodes.push_back(std::move(node));
  }
  return workflow("layered", std::move(nodes), {kLayerWidth});
}

json noop_workflow() {
  return workflow("noop", {for_each_node("noop", "noop", kNoopTasks, json(), std::nullopt)}, {kNoopTasks});
}

double seconds(std::chrono::nanoseconds duration) { return std::chrono::duration<double>(duration).count(); }

struct RunOutcome {
  RunTimings timings;
  double client_wall_s = 0;  // from before the POST to the poll that saw the run final
};

// Starts the run, waits for its end and checks that every task succeeded.
RunOutcome run_to_end(const WeftdInstance& weftd, const json& document, int expected_tasks) {
  const auto begin = std::chrono::steady_clock::now();
  const std::string run_id = weftd.start_run(document);
  const std::string status = weftd.wait_run(run_id, kRunTimeout);
  const double client_wall_s = seconds(std::chrono::steady_clock::now() - begin);
  RunTimings timings = weftd.timings(run_id);
  if (status != "succeeded" || timings.succeeded_tasks != expected_tasks) {
    throw std::runtime_error("run " + run_id + " of " + document.value("name", "") + " ended " + status + " with " +
                             std::to_string(timings.succeeded_tasks) + " of " + std::to_string(expected_tasks) +
                             " tasks succeeded; weftd's log:\n" + weftd.log());
  }
  return {std::move(timings), client_wall_s};
}

// weftd's own wall time is the measure; the client's shows what creating the
// run (parsing, storing) and the polling add around it.
double add_walls(const RunOutcome& outcome, Metrics& metrics) {
  const double wall = outcome.timings.wall_s();
  metrics.push_back({"weftd_wall_s", "weftd wall (run start -> end)", "s", wall});
  metrics.push_back({"client_wall_s", "client wall (POST -> seen final)", "s", outcome.client_wall_s});
  return wall;
}

// ready -> started is the dispatch latency (a task that waits for a slot under
// a max_parallel limit waits in it too); ready -> finished adds the task's run.
void add_latencies(const RunTimings& timings, Metrics& metrics) {
  std::vector<double> to_start;
  std::vector<double> to_finish;
  for (const auto& task : timings.tasks) {
    if (task.started_at > 0) to_start.push_back(static_cast<double>(task.started_at - task.ready_at));
    to_finish.push_back(static_cast<double>(task.finished_at - task.ready_at));
  }
  if (!to_start.empty()) {
    metrics.push_back({"ready_to_started_p50_ms", "ready -> started p50", "ms", percentile(to_start, 50)});
    metrics.push_back({"ready_to_started_p99_ms", "ready -> started p99", "ms", percentile(to_start, 99)});
  }
  metrics.push_back({"ready_to_finished_p50_ms", "ready -> finished p50", "ms", percentile(to_finish, 50)});
  metrics.push_back({"ready_to_finished_p99_ms", "ready -> finished p99", "ms", percentile(to_finish, 99)});
}

void add_peak_rss(const WeftdInstance& weftd, Metrics& metrics) {
  metrics.push_back({"weftd_peak_rss_mib", "weftd peak RSS (VmHWM)", "MiB", weftd.stats().peak_rss_mib});
}

void add_comparison(double weftd_s, double loop_s, Metrics& metrics) {
  metrics.push_back({"loop_wall_s", "posix_spawn loop wall", "s", loop_s});
  metrics.push_back({"ratio", "weftd / loop", "x", weftd_s / loop_s});
}

// On a file system that has just deleted many files (ext4 without a journal
// skips every inode deleted in the last minute, one inode table lookup each),
// creating each task's two log files can cost more than the rest of the task
// together; the loop with log files pays the same, in the same file system,
// so this ratio is weftd's own share. Its files stay until the session's end,
// as weftd's do, so as not to slow the next workload's creations.
void add_log_file_comparison(double weftd_s, const WeftdSettings& settings, int tasks, Metrics& metrics) {
  static int loops = 0;
  const auto log_dir = settings.scratch_dir / ("loop-logs-" + std::to_string(++loops));
  std::filesystem::create_directories(log_dir);
  const double loop_s = seconds(spawn_all_with_logs({kTrue}, tasks, kFanoutParallel, log_dir));
  metrics.push_back({"loop_logs_wall_s", "loop with 2 log files per spawn wall", "s", loop_s});
  metrics.push_back({"ratio_logs", "weftd / loop with log files", "x", weftd_s / loop_s});
}

// One for_each node of `tasks` x /bin/true, 64 at a time, against the loop
// doing the same spawns; with the daemon's memory before and after, since the
// wide variant is about what a task costs the daemon.
Metrics fanout_of(const WeftdSettings& settings, int tasks) {
  Metrics metrics;
  double wall = 0;
  {
    const WeftdInstance weftd(settings);
    const ProcessStats idle = weftd.stats();
    const RunOutcome outcome = run_to_end(weftd, fanout_workflow(tasks), tasks);
    const ProcessStats after = weftd.stats();
    wall = add_walls(outcome, metrics);
    metrics.push_back({"tasks_per_s", "weftd throughput", "tasks/s", tasks / wall});
    add_latencies(outcome.timings, metrics);
    metrics.push_back({"weftd_idle_rss_mib", "weftd RSS before the run", "MiB", idle.rss_mib});
    add_peak_rss(weftd, metrics);
    metrics.push_back(
        {"rss_per_task_kib", "(peak - idle) RSS per task", "KiB", (after.peak_rss_mib - idle.rss_mib) * 1024 / tasks});
    metrics.push_back({"weftd_cpu_s", "weftd CPU (utime+stime), POST to end", "s", after.cpu_s - idle.cpu_s});
  }
  add_comparison(wall, seconds(spawn_all({kTrue}, tasks, kFanoutParallel)), metrics);
  add_log_file_comparison(wall, settings, tasks, metrics);
  return metrics;
}

Metrics fanout(const WeftdSettings& settings) { return fanout_of(settings, kFanoutTasks); }

Metrics wide(const WeftdSettings& settings) { return fanout_of(settings, kWideTasks); }

// Issue 9's for_each of 10,000 with a cache: a first run whose tasks all run
// (and fill the cache), then a second whose tasks all take their outputs from
// it. The second run's throughput is what a cache hit costs the daemon: a
// batched lookup, then a task's usual writes.
Metrics cached(const WeftdSettings& settings) {
  json node = for_each_node("fan", "command", kWideTasks, command({kTrue}), kFanoutParallel);
  node["cache"] = {{"key", "bench:{{ item }}"}};
  const json document = workflow("cached", {node}, {kWideTasks});
  Metrics metrics;
  const WeftdInstance weftd(settings);
  const RunOutcome filling = run_to_end(weftd, document, kWideTasks);
  metrics.push_back({"filling_wall_s", "first run (all run): weftd wall", "s", filling.timings.wall_s()});
  const ProcessStats before = weftd.stats();
  const RunOutcome hits = run_to_end(weftd, document, kWideTasks);
  const ProcessStats after = weftd.stats();
  const double wall = hits.timings.wall_s();
  metrics.push_back({"hits_wall_s", "second run (all cache hits): weftd wall", "s", wall});
  metrics.push_back({"tasks_per_s", "cache hits per second", "tasks/s", kWideTasks / wall});
  metrics.push_back({"weftd_cpu_s", "weftd CPU of the second run", "s", after.cpu_s - before.cpu_s});
  add_latencies(hits.timings, metrics);
  add_peak_rss(weftd, metrics);
  return metrics;
}

Metrics chain(const WeftdSettings& settings) {
  Metrics metrics;
  double wall = 0;
  {
    const WeftdInstance weftd(settings);
    const RunOutcome outcome = run_to_end(weftd, chain_workflow(), kChainHops);
    wall = add_walls(outcome, metrics);
    metrics.push_back({"weftd_hop_ms", "weftd per hop", "ms", wall * 1000 / kChainHops});
    add_latencies(outcome.timings, metrics);
    add_peak_rss(weftd, metrics);
  }
  const double loop = seconds(spawn_all({kTrue}, kChainHops, 1));
  metrics.push_back({"loop_hop_ms", "posix_spawn loop per hop", "ms", loop * 1000 / kChainHops});
  add_comparison(wall, loop, metrics);
  return metrics;
}

Metrics sleeps(const WeftdSettings& settings) {
  const WeftdInstance weftd(settings);
  const ProcessStats idle = weftd.stats();
  const RunOutcome outcome = run_to_end(weftd, sleeps_workflow(), kSleepTasks);
  const ProcessStats after = weftd.stats();
  Metrics metrics;
  add_walls(outcome, metrics);
  metrics.push_back({"weftd_idle_rss_mib", "weftd RSS before the run", "MiB", idle.rss_mib});
  metrics.push_back({"weftd_peak_rss_mib", "weftd peak RSS (VmHWM)", "MiB", after.peak_rss_mib});
  metrics.push_back({"weftd_cpu_s", "weftd CPU (utime+stime), POST to end", "s", after.cpu_s - idle.cpu_s});
  return metrics;
}

Metrics layered(const WeftdSettings& settings) {
  Metrics metrics;
  double wall = 0;
  {
    const WeftdInstance weftd(settings);
    const RunOutcome outcome = run_to_end(weftd, layered_workflow(), kLayers * kLayerWidth);
    wall = add_walls(outcome, metrics);
    add_latencies(outcome.timings, metrics);
    add_peak_rss(weftd, metrics);
  }
  std::chrono::nanoseconds loop{0};
  for (int layer = 0; layer < kLayers; ++layer) loop += spawn_all({kTrue}, kLayerWidth, kLayerWidth);
  add_comparison(wall, seconds(loop), metrics);
  return metrics;
}

Metrics noop(const WeftdSettings& settings) {
  const WeftdInstance weftd(settings);
  const RunOutcome outcome = run_to_end(weftd, noop_workflow(), kNoopTasks);
  Metrics metrics;
  const double wall = add_walls(outcome, metrics);
  metrics.push_back({"tasks_per_s", "weftd throughput", "tasks/s", kNoopTasks / wall});
  add_latencies(outcome.timings, metrics);
  add_peak_rss(weftd, metrics);
  return metrics;
}

// kRunClients threads each POST their share of count runs of document, run
// r to api_for(r), and the clock stops when no run is left unfinished: adds
// the walls, and runs/s over the second.
void send_runs_to_end(const WeftdInstance& weftd, const std::function<const client::ApiClient&(int)>& api_for,
                      const json& document, int count, Metrics& metrics) {
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  std::atomic<int> refused{0};
  for (int c = 0; c < kRunClients; ++c) {
    clients.emplace_back([&, c] {
      for (int r = c; r < count; r += kRunClients) {
        if (api_for(r).post("/api/v1/runs", {{"workflow", document}}).status != 201) ++refused;
      }
    });
  }
  for (auto& client : clients) client.join();
  const double submitted_s = seconds(std::chrono::steady_clock::now() - begin);
  while (weftd.has_unfinished_runs()) {
    if (std::chrono::steady_clock::now() - begin > kRunTimeout) throw std::runtime_error("runs left unfinished");
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const double wall = seconds(std::chrono::steady_clock::now() - begin);
  if (refused > 0) throw std::runtime_error(std::to_string(refused.load()) + " runs were refused; " + weftd.log());
  metrics.push_back({"submit_s", "all runs sent (POST -> 201)", "s", submitted_s});
  metrics.push_back({"client_wall_s", "client wall (first POST -> none unfinished)", "s", wall});
  metrics.push_back({"runs_per_s", "runs finished per second", "runs/s", count / wall});
}

// Many small runs at once, as a queue of jobs would send them, round-robin
// over the instances.
Metrics runs(const WeftdSettings& settings) {
  const WeftdInstance weftd(settings);
  json nodes = json::array();
  nodes.push_back({{"id", "noop"}, {"type", "noop"}});
  Metrics metrics;
  const std::vector<client::ApiClient> apis = weftd.every_api();
  const auto round_robin = [&](int r) -> const client::ApiClient& {
    return apis[static_cast<size_t>(r) % apis.size()];
  };
  send_runs_to_end(weftd, round_robin, workflow("small", nodes), kSmallRuns, metrics);
  add_peak_rss(weftd, metrics);
  return metrics;
}

// Load sharing: runs of a few processes each, every one sent to the first
// instance, each instance with kSharedSlots slots; the others (woken by the
// store) claim what the first has no room for. The share is of runs whose
// task files are not under the first instance's state dir.
Metrics shared(const WeftdSettings& given) {
  WeftdSettings settings = given;
  settings.max_running_tasks = kSharedSlots;
  const WeftdInstance weftd(settings);
  Metrics metrics;
  const json document = workflow(
      "shared", {for_each_node("each", "command", kSharedRunTasks, command({kTrue}), std::nullopt)}, {kSharedRunTasks});
  send_runs_to_end(
      weftd, [&](int) -> const client::ApiClient& { return weftd.api(); }, document, kSharedRuns, metrics);
  metrics.push_back({"tasks_per_s", "tasks finished per second", "tasks/s", metrics.back().value * kSharedRunTasks});
  const auto runs_dir = weftd.state_dir() / "runs";
  const auto driven_here =
      std::filesystem::exists(runs_dir)
          ? std::distance(std::filesystem::directory_iterator(runs_dir), std::filesystem::directory_iterator())
          : 0;
  metrics.push_back({"share_elsewhere", "runs driven by the other instances", "%",
                     100.0 * static_cast<double>(kSharedRuns - driven_here) / kSharedRuns});
  add_peak_rss(weftd, metrics);
  return metrics;
}

}  // namespace

const std::vector<Workload>& workloads() {
  static const std::vector<Workload> all = {
      {"fanout", "1,000 x /bin/true, one for_each node, max_parallel 64", fanout},
      {"wide", "10,000 x /bin/true, one for_each node, max_parallel 64", wide},
      {"chain", "200 x /bin/true, each node depending on the one before", chain},
      {"sleeps", "500 x sleep 2 at once (for_each, max_parallel 500)", sleeps},
      {"layered", "10 layers x 100 /bin/true, each layer after all of the one before", layered},
      {"noop", "10,000 in-daemon noop tasks, one for_each node, no limit", noop},
      {"cached", "10,000 x /bin/true with a cache, run twice: the second run all cache hits", cached},
      {"runs", "2,000 runs of one noop node, 8 clients, round-robin over the instances", runs},
      {"shared", "100 runs of 10 x /bin/true, all sent to one instance, 8 slots per instance", shared},
  };
  return all;
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"fanout", "ratio", Bound::at_most, 1.25},
      {"chain", "ratio", Bound::at_most, 1.3},
      {"sleeps", "weftd_peak_rss_mib", Bound::at_most, 10},
      {"sleeps", "weftd_cpu_s", Bound::at_most, 0.5},
      {"layered", "ratio", Bound::at_most, 1.3},
      {"layered", "weftd_peak_rss_mib", Bound::at_most, 16},
      {"noop", "tasks_per_s", Bound::at_least, 20000},
  };
  return all;
}

}  // namespace weft::bench
