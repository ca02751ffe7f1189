// What runs tasks, as the scheduler uses it: the node types and executors of
// the loaded plugins, by name. PluginHost is the real one; the scheduler's
// unit tests give it one of their own (tests/unit/scheduler).
#pragma once

#include "core/result.hpp"
#include "workflow/node_catalog.hpp"

#include <weft/sdk/run_graph.hpp>
#include <weft/sdk/task.hpp>

#include <string_view>

namespace weft::daemon {

class TaskRuntime : public NodeCatalog {
 public:
  // Event loop thread, all of these. A type or executor that is not loaded
  // is a failure naming it (unavailable); so is a plugin's own failure.
  virtual Result<sdk::Plan> plan(std::string_view node_type, const sdk::TaskSpec& task) = 0;
  // With the ABI's default for a node type that has no finish.
  virtual Result<sdk::Plan> finish(std::string_view node_type, const sdk::TaskResult& result) = 0;
  // Stops a task the node type planned as pending.
  virtual Status cancel_pending(std::string_view node_type, std::string_view task_key) = 0;
  virtual Status start(std::string_view executor, const sdk::TaskSpec& task) = 0;
  virtual Status cancel(std::string_view executor, std::string_view task_key) = 0;
  virtual Status recover(std::string_view executor, const sdk::TaskSpec& task, std::string_view external_id) = 0;
  // Hands a whole run to an executor with WEFT_EXECUTOR_CAP_WHOLE_RUN (see
  // weft_run_graph), and stops all of it there.
  virtual Status start_run(std::string_view executor, const sdk::RunGraph& run) = 0;
  virtual Status cancel_run(std::string_view executor, std::string_view run_id) = 0;
};

}  // namespace weft::daemon
