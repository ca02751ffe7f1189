// Host-side wrappers of the plugin objects the daemon uses. Each guards every
// call into the plugin (a status and error text, never an exception from the
// plugin's side), and destroys its object through the plugin on destruction.
#pragma once

#include "core/result.hpp"
#include "plugin_host/call_plugin.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/loaded_library.hpp"

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
  // Event loop thread. The plan or finish object the plugin wrote (see weft_node_vtable).
  Result<nlohmann::json> plan(const std::string& request_json);
  Result<nlohmann::json> finish(const std::string& result_json);
  Status cancel(std::string_view task_key);

 private:
  Result<nlohmann::json> call_with_output(const char* what,
                                          weft_status (*fn)(void*, weft_str, const weft_sink*, weft_error*),
                                          const std::string& input);

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
  // Event loop thread, all three.
  Status start(const std::string& spec_json);
  Status cancel(std::string_view task_key);
  Status recover(const std::string& spec_json, std::string_view external_id);

 private:
  std::shared_ptr<const LoadedLibrary> library_;  // first: keeps the code mapped
  const weft_executor_vtable* vtable_;
  std::unique_ptr<PluginContext> context_;
  void* executor_;
  std::string name_;
};

}  // namespace weft::daemon
