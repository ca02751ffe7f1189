// The node cache: a task of a node with `cache` whose rendered key matches
// a task of the same workflow that ran and succeeded within the node's
// ttl_s takes that task's output instead of running. RunScheduler's part
// (see run_scheduler.hpp); the store's find_cached does the matching.
//
// Each attempt is looked up when its turn comes, before it takes a slot:
// the lookup goes off the loop (CacheLookups, in batches), and the task is
// queued again with the answer. A hit then succeeds at once, its attempt
// running nothing; a miss runs as usual. The key and, for a hit, the task
// the output came from are stored with the task, so that a restart keeps
// them and later lookups find the tasks that ran.
#include "scheduler/run_scheduler.hpp"

#include "core/json_text.hpp"

#include <spdlog/spdlog.h>

namespace weft::daemon {

void RunScheduler::look_up_cache(TaskState& task, std::string key) {
  TaskCache& cache = *task.cache;
  cache.key = std::move(key);
  cache.lookup = TaskCache::Lookup::under_way;
  cache.serial = ++cache_lookup_serial_;
  const auto& ttl_s = task.node->spec->cache->ttl_s;
  const int64_t not_before = ttl_s ? clock_.now_ms() - delay_of(*ttl_s).count() : 0;
  sdk::TaskRef ref{task.run->id, task.node->spec->id, task.index};
  cache_lookups_.find({task.run->workflow->name, cache.key, not_before},
                      [this, ref = std::move(ref), serial = cache.serial](std::optional<TaskRecord> found) {
                        on_cache_answer(ref, serial, std::move(found));
                      });
}

// The task may have moved on meanwhile (cancelled, its run gone): only the
// answer to the lookup it still waits for counts.
void RunScheduler::on_cache_answer(const sdk::TaskRef& ref, uint64_t serial, std::optional<TaskRecord> found) {
  const auto run = runs_.find(ref.run_id);
  if (run == runs_.end()) return;
  NodeState* node = run->second->node(ref.node);
  if (node == nullptr) return;
  TaskState* task = &node->row;
  if (ref.index >= 0) {
    if (static_cast<size_t>(ref.index) >= node->elements.size()) return;
    task = node->elements[static_cast<size_t>(ref.index)].get();
  }
  if (!task->cache || task->cache->serial != serial || task->cache->lookup != TaskCache::Lookup::under_way) return;
  task->cache->lookup = TaskCache::Lookup::done;
  if (task->status != TaskStatus::ready) return;
  if (found) {
    task->cache->from = {std::move(found->run_id), std::move(found->node), found->index};
    task->cache->found_output = std::move(found->output_json);
  }
  dispatcher_.enqueue(*task);
}

// The attempt takes the output it found: it succeeds without running.
void RunScheduler::take_from_cache(TaskState& task) {
  TaskCache& cache = *task.cache;
  std::string output_text = std::move(*cache.found_output);
  cache.found_output.reset();
  auto output = output_text.empty() ? Result<nlohmann::json>(nlohmann::json()) : parse_json(output_text);
  if (!output)
    return fail_attempt(task, "the cached output of run " + cache.from.run_id + " is " + output.failure().message);
  spdlog::info("{}: output taken from the cache ({}, key '{}')", describe(task), describe(cache.from), cache.key);
  task.executor.clear();  // an earlier attempt's: this one ran nowhere
  succeed(task, std::move(output.value()));
}

}  // namespace weft::daemon
