// Finds, checks and loads plugins, and serves the node types, executors and
// storage backends they provide.
//
// Loading a file (open -> ABI check -> factories check -> init -> create
// instances -> register) either completes or rolls back whole: a refused
// plugin leaves nothing registered, is logged with the reason, and is listed
// with status "rejected". The first plugin to provide a type name keeps it.
//
// ABI versions: a plugin of this major and any minor up to this weftd's loads;
// every struct it fills may be larger than its 2.0 size (WEFT_*_SIZE_2_0),
// never smaller, and is read only as far as its struct_size reaches. The
// functions the ABI calls optional may be NULL; the handles check them.
//
// Threading: load() runs before the daemon serves; rescan() may run later on
// any thread, one at a time, while the registry is read from any thread. A
// registered handle is never removed, so the pointers handed out stay valid
// (and its library mapped) until the host is destroyed.
#pragma once

#include "core/result.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_handles.hpp"
#include "plugin_host/plugin_info.hpp"
#include "plugin_host/task_runtime.hpp"
#include "store/store_client.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace weft::daemon {

struct PluginHostSettings {
  std::vector<std::filesystem::path> plugin_dirs;
  nlohmann::json executor_configs = nlohmann::json::object();   // executor name -> its config
  std::vector<std::string> required_plugins;                    // a refusal of these is fatal
  nlohmann::json node_type_configs = nlohmann::json::object();  // node type name -> its config
};

class PluginHost final : public TaskRuntime {
 public:
  explicit PluginHost(HostServices& services);
  ~PluginHost() override;

  // Scans the directories and loads every *.so* in them, in name order.
  // Fails only if a required plugin was refused or is missing.
  Status load(const PluginHostSettings& settings);

  // A reload: loads the files of the directories that no loaded plugin came
  // from (new ones, and ones refused before), with `settings`' executor
  // configs. Loaded plugins stay as they are, also if their file changed.
  // Returns what it looked at, loaded or refused.
  std::vector<PluginInfo> rescan(const PluginHostSettings& settings);

  std::vector<PluginInfo> plugins() const;
  NodeTypeHandle* node_type(std::string_view type_name) const;
  ExecutorHandle* executor(std::string_view name) const;
  // Opens a store of the storage type `type_name` with its plugin's config.
  Result<std::unique_ptr<StoreClient>> open_store(std::string_view type_name, const nlohmann::json& config);

  std::optional<std::vector<Problem>> validate_params(std::string_view node_type,
                                                      const nlohmann::json& params) const override;
  bool has_executor(std::string_view executor) const override;
  uint64_t executor_capabilities(std::string_view executor) const override;

  Result<sdk::Plan> plan(std::string_view node_type, const sdk::TaskSpec& task) override;
  Result<sdk::Plan> finish(std::string_view node_type, const sdk::TaskResult& result) override;
  Status cancel_pending(std::string_view node_type, std::string_view task_key) override;
  Status start(std::string_view executor, const sdk::TaskSpec& task) override;
  Status cancel(std::string_view executor, std::string_view task_key) override;
  Status recover(std::string_view executor, const sdk::TaskSpec& task, std::string_view external_id) override;
  Status start_run(std::string_view executor, const sdk::RunGraph& run) override;
  Status cancel_run(std::string_view executor, std::string_view run_id) override;

 private:
  struct StorageFactory {
    std::shared_ptr<const LoadedLibrary> library;
    const weft_store_vtable* vtable;
  };
  class Loading;

  void load_file(const std::filesystem::path& path, const PluginHostSettings& settings);
  std::vector<std::filesystem::path> files_in(const std::vector<std::filesystem::path>& dirs) const;
  static std::shared_ptr<const LoadedLibrary> open_library(const std::filesystem::path& path);
  static void check_descriptor(const weft_plugin_descriptor& descriptor, PluginInfo& info);
  void check_factories(const weft_plugin_descriptor& descriptor, PluginInfo& info) const;
  void run_init(const weft_plugin_descriptor& descriptor, const PluginInfo& info);
  void create_objects(const weft_plugin_descriptor& descriptor, const PluginHostSettings& settings,
                      const std::string& plugin_name, Loading& loading);
  std::string refused_unnamed() const;

  HostServices& services_;
  std::mutex loading_mutex_;                  // one load or rescan at a time
  mutable std::shared_mutex registry_mutex_;  // written only while loading_mutex_ is held
  std::vector<PluginInfo> infos_;
  std::map<std::string, std::unique_ptr<NodeTypeHandle>, std::less<>> node_types_;
  std::map<std::string, std::unique_ptr<ExecutorHandle>, std::less<>> executors_;
  std::map<std::string, StorageFactory, std::less<>> storage_;
  std::vector<std::unique_ptr<PluginContext>> store_contexts_;
};

}  // namespace weft::daemon
