// Host-side wrappers of the plugin objects the daemon uses. Each guards every
// call into the plugin (a status and error text, never an exception from the
// plugin's side), and destroys its object through the plugin on destruction.
#pragma once

#include "core/result.hpp"
#include "plugin_host/call_plugin.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/loaded_library.hpp"

#include <weft/sdk/run_graph.hpp>
#include <weft/sdk/task.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace weft::daemon {

class NodeTypeHandle {
 public:
  NodeTypeHandle(std::shared_ptr<const LoadedLibrary> library, const weft_node_vtable* vtable,
                 std::unique_ptr<PluginContext> context, void* node, std::string type_name);
  ~NodeTypeHandle();
  NodeTypeHandle(const NodeTypeHandle&) = delete;
  NodeTypeHandle& operator=(const NodeTypeHandle&) = delete;

  const std::string& type_name() const { return type_name_; }
  // Any thread. A failing plugin shows as one problem at "".
  std::vector<Problem> validate(const nlohmann::json& params) const;
  // Event loop thread, all three. What the node type decided (see weft_node_vtable);
  // finish applies the ABI's default for a node type without one.
  Result<sdk::Plan> plan(const sdk::TaskSpec& task);
  Result<sdk::Plan> finish(const sdk::TaskResult& result);
  Status cancel(std::string_view task_key);

 private:
  Result<sdk::Plan> decided(const char* what, weft_status status, const weft_error& err, sdk::PlanCollector& out) const;

  std::shared_ptr<const LoadedLibrary> library_;  // first: keeps the code mapped
  const weft_node_vtable* vtable_;
  std::unique_ptr<PluginContext> context_;
  void* node_;
  std::string type_name_;
};

class ExecutorHandle {
 public:
  ExecutorHandle(std::shared_ptr<const LoadedLibrary> library, const weft_executor_vtable* vtable,
                 std::unique_ptr<PluginContext> context, void* executor, std::string name);
  ~ExecutorHandle();
  ExecutorHandle(const ExecutorHandle&) = delete;
  ExecutorHandle& operator=(const ExecutorHandle&) = delete;

  const std::string& name() const { return name_; }
  // Event loop thread, all of these. recover fails for an executor that has none.
  Status start(const sdk::TaskSpec& task);
  Status cancel(std::string_view task_key);
  Status recover(const sdk::TaskSpec& task, std::string_view external_id);
  // WEFT_EXECUTOR_CAP_* bits; 0 for a plugin older than ABI 2.1. A bit whose
  // function the plugin left NULL is not counted.
  uint64_t capabilities() const;
  // Both fail for an executor without WEFT_EXECUTOR_CAP_WHOLE_RUN.
  Status start_run(const sdk::RunGraph& run);
  Status cancel_run(std::string_view run_id);

 private:
  std::shared_ptr<const LoadedLibrary> library_;  // first: keeps the code mapped
  const weft_executor_vtable* vtable_;
  std::unique_ptr<PluginContext> context_;
  void* executor_;
  std::string name_;
};

}  // namespace weft::daemon
