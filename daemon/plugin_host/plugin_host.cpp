// The plugin host's loading and lookups. Over 400 lines: loading a plugin is
// one sequence of checks (open, ABI, factories, init, create) whose refusals
// read best side by side with the registry they guard.
#include "plugin_host/plugin_host.hpp"

#include <weft/sdk/plugin.hpp>

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weft::daemon {

namespace fs = std::filesystem;
using sdk::str;

namespace {

// A plugin refused for a reason the user can act on.
struct Refusal {
  std::string reason;
};

std::string abi_text(uint32_t major, uint32_t minor) { return std::to_string(major) + "." + std::to_string(minor); }

const std::string kHostAbi = abi_text(WEFT_ABI_MAJOR, WEFT_ABI_MINOR);
// The first minor of this major, whose struct sizes are the least the host accepts.
const std::string kFirstAbiOfMajor = abi_text(WEFT_ABI_MAJOR, 0);

const char* kind_name(int32_t kind) {
  switch (kind) {
    case WEFT_KIND_NODE: return "node";
    case WEFT_KIND_EXECUTOR: return "executor";
    case WEFT_KIND_STORAGE: return "storage";
  }
  return "unknown";
}

// The least function table a factory of `kind` may have: the one of ABI 2.0.
// 0 for a kind this host does not know.
size_t vtable_size_2_0(int32_t kind) {
  switch (kind) {
    case WEFT_KIND_NODE: return WEFT_NODE_VTABLE_SIZE_2_0;
    case WEFT_KIND_EXECUTOR: return WEFT_EXECUTOR_VTABLE_SIZE_2_0;
    case WEFT_KIND_STORAGE: return WEFT_STORE_VTABLE_SIZE_2_0;
  }
  return 0;
}

// The functions of a factory's table that the host calls without checking
// and that are NULL. The ABI's optional ones (node finish and cancel,
// executor recover) are checked where they are called instead.
std::vector<std::string> missing_required_functions(const weft_factory& f) {
  std::vector<std::string> missing;
  const auto need = [&](bool present, const char* name) {
    if (!present) missing.emplace_back(name);
  };
  switch (f.kind) {
    case WEFT_KIND_NODE: {
      const auto& vt = *static_cast<const weft_node_vtable*>(f.vtable);
      need(vt.create != nullptr, "create");
      need(vt.destroy != nullptr, "destroy");
      need(vt.validate != nullptr, "validate");
      need(vt.plan != nullptr, "plan");
      break;
    }
    case WEFT_KIND_EXECUTOR: {
      const auto& vt = *static_cast<const weft_executor_vtable*>(f.vtable);
      need(vt.create != nullptr, "create");
      need(vt.destroy != nullptr, "destroy");
      need(vt.start != nullptr, "start");
      need(vt.cancel != nullptr, "cancel");
      break;
    }
    case WEFT_KIND_STORAGE: {
      const auto& vt = *static_cast<const weft_store_vtable*>(f.vtable);
      need(vt.open != nullptr, "open");
      need(vt.close != nullptr, "close");
      need(vt.schema_version != nullptr, "schema_version");
      need(vt.write != nullptr, "write");
      need(vt.get_workflow != nullptr, "get_workflow");
      need(vt.list_workflows != nullptr, "list_workflows");
      need(vt.get_run != nullptr, "get_run");
      need(vt.list_runs != nullptr, "list_runs");
      need(vt.list_tasks != nullptr, "list_tasks");
      need(vt.list_tokens != nullptr, "list_tokens");
      if (WEFT_HAS_FIELD(&vt, weft_store_vtable, list_schedule_states)) {  // a store of ABI 2.1 or later
        need(vt.list_attempts != nullptr, "list_attempts");
        need(vt.list_schedule_states != nullptr, "list_schedule_states");
      }
      if (WEFT_HAS_FIELD(&vt, weft_store_vtable, list_audit)) need(vt.list_audit != nullptr, "list_audit");
      break;
    }
  }
  return missing;
}

// Anyone who can write the file or its directory could make weftd run their code.
void check_permissions(const fs::path& path) {
  for (const fs::path& p : {path, path.parent_path()}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) throw Refusal{"cannot stat " + p.string()};
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
      throw Refusal{p.string() + " is writable by group or others; refusing to load code from it"};
    }
  }
}

// Boost.DLL words a failed load as "... (dlerror system message: <dlerror>):
// <errno text>", and the errno text is often stale and misleading ("Bad file
// descriptor" for a text file): keep what dlerror said.
std::string dlerror_text(const std::string& what) {
  const std::string marker = "dlerror system message: ";
  const auto start = what.find(marker);
  const auto end = what.rfind("):");
  if (start == std::string::npos || end == std::string::npos || end < start) return what;
  return what.substr(start + marker.size(), end - start - marker.size());
}

bool is_plugin_file(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  return entry.is_regular_file() && name.find(".so") != std::string::npos;
}

}  // namespace

// The pieces of one plugin being loaded; registered only once all are good,
// destroyed (through the plugin) if a later step refuses it.
class PluginHost::Loading {
 public:
  std::shared_ptr<const LoadedLibrary> library;
  std::vector<std::unique_ptr<NodeTypeHandle>> node_types;
  std::vector<std::unique_ptr<ExecutorHandle>> executors;
  std::vector<std::pair<std::string, StorageFactory>> storage;
  std::vector<std::string> unconfigured;
};

PluginHost::PluginHost(HostServices& services) : services_(services) {}

PluginHost::~PluginHost() = default;

std::vector<fs::path> PluginHost::files_in(const std::vector<fs::path>& dirs) const {
  std::vector<fs::path> all;
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (is_plugin_file(entry)) files.push_back(entry.path());
    }
    if (ec) {
      spdlog::warn("plugin directory {} cannot be read: {}", dir.string(), ec.message());
      continue;
    }
    std::sort(files.begin(), files.end());
    all.insert(all.end(), files.begin(), files.end());
  }
  return all;
}

Status PluginHost::load(const PluginHostSettings& settings) {
  const std::lock_guard loading(loading_mutex_);
  for (const auto& file : files_in(settings.plugin_dirs)) load_file(file, settings);
  for (const auto& required : settings.required_plugins) {
    const auto it = std::find_if(infos_.begin(), infos_.end(), [&](const PluginInfo& i) { return i.name == required; });
    if (it == infos_.end()) {
      return fail(ErrorCode::unavailable, "required plugin '" + required + "' was not found" + refused_unnamed());
    }
    if (!it->loaded) {
      return fail(ErrorCode::unavailable, "required plugin '" + required + "' was refused: " + it->error);
    }
  }
  return Done{};
}

std::vector<PluginInfo> PluginHost::rescan(const PluginHostSettings& settings) {
  const std::lock_guard loading(loading_mutex_);
  std::vector<PluginInfo> looked_at;
  for (const auto& file : files_in(settings.plugin_dirs)) {
    const auto known = std::find_if(infos_.begin(), infos_.end(), [&](const PluginInfo& i) { return i.path == file; });
    if (known != infos_.end() && known->loaded) continue;
    if (known != infos_.end()) {
      const std::unique_lock write(registry_mutex_);
      infos_.erase(known);  // refused before: tried again, and listed once
    }
    load_file(file, settings);
    const std::shared_lock read(registry_mutex_);
    looked_at.push_back(infos_.back());
  }
  return looked_at;
}

std::vector<PluginInfo> PluginHost::plugins() const {
  const std::shared_lock read(registry_mutex_);
  return infos_;
}

// The files refused before they could say which plugin they are (another
// ABI major, not a plugin, unsafe permissions): one of them may be the
// required plugin that was not found. "" if there are none.
std::string PluginHost::refused_unnamed() const {
  std::vector<std::string> refused;
  for (const PluginInfo& info : infos_) {
    if (!info.loaded && info.name == fs::path(info.path).filename().string()) {
      refused.push_back(info.path + " (" + info.error + ")");
    }
  }
  if (refused.empty()) return "";
  return fmt::format("; files refused before they could name their plugin: {}", fmt::join(refused, "; "));
}

// open -> descriptor (ABI) -> factories -> init -> create -> register; any step may refuse.
void PluginHost::load_file(const fs::path& path, const PluginHostSettings& settings) {
  PluginInfo info;
  info.name = path.filename().string();
  info.path = path.string();
  try {
    check_permissions(path);
    Loading loading;
    loading.library = open_library(path);
    const weft_plugin_descriptor& d = loading.library->descriptor();
    check_descriptor(d, info);
    check_factories(d, info);
    run_init(d, info);
    create_objects(d, settings, info.name, loading);
    const std::unique_lock write(registry_mutex_);
    for (auto& n : loading.node_types) node_types_.emplace(n->type_name(), std::move(n));
    for (auto& e : loading.executors) executors_.emplace(e->name(), std::move(e));
    for (auto& [type, factory] : loading.storage) storage_.emplace(type, std::move(factory));
    info.loaded = true;
    info.unconfigured = std::move(loading.unconfigured);
    spdlog::info("loaded plugin {} {} (ABI {}) from {}: {}", info.name, info.version, info.abi, info.path,
                 fmt::join(info.provides, ", "));
    for (const auto& left_out : info.unconfigured) {
      spdlog::info("plugin {}: not started, as weftd.json's executors section does not configure it: {}", info.name,
                   left_out);
    }
  } catch (const Refusal& r) {
    info.loaded = false;
    info.error = r.reason;
    spdlog::error("refused plugin {}: {}", path.string(), r.reason);
  }
  const std::unique_lock write(registry_mutex_);
  infos_.push_back(std::move(info));
}

std::shared_ptr<const LoadedLibrary> PluginHost::open_library(const fs::path& path) {
  boost::dll::shared_library lib;
  try {
    lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw Refusal{"cannot load it as a shared object: " + dlerror_text(e.what())};
  }
  if (!lib.has(WEFT_PLUGIN_ENTRY_SYMBOL)) {
    throw Refusal{std::string("it has no entry point '") + WEFT_PLUGIN_ENTRY_SYMBOL + "'; is it a weft plugin?"};
  }
  const weft_plugin_descriptor* d = nullptr;
  try {
    d = lib.get<const weft_plugin_descriptor*()>(WEFT_PLUGIN_ENTRY_SYMBOL)();
  } catch (...) {
    throw Refusal{"its entry point threw an exception"};
  }
  if (d == nullptr) throw Refusal{"its entry point returned no descriptor"};
  return std::make_shared<const LoadedLibrary>(std::move(lib), path, d);
}

// The versions first: they are at the same place in every major, so a plugin
// of another major is refused for its version, and nothing else of its
// descriptor is read. Of our major, fields are read only as far as its
// struct_size reaches: any size from 2.0's up is fine, a newer minor's included.
void PluginHost::check_descriptor(const weft_plugin_descriptor& d, PluginInfo& info) {
  constexpr size_t versions_end = WEFT_SIZE_THROUGH(weft_plugin_descriptor, abi_minor);
  if (d.struct_size < versions_end) {
    throw Refusal{"its descriptor is " + std::to_string(d.struct_size) +
                  " bytes, too short to hold even the ABI version it was built for"};
  }
  info.abi = abi_text(d.abi_major, d.abi_minor);
  if (d.abi_major != WEFT_ABI_MAJOR) {
    throw Refusal{"it was built for ABI " + info.abi + ", this weftd speaks ABI " + kHostAbi +
                  " (the major versions must be equal); rebuild it against this SDK"};
  }
  if (WEFT_HAS_FIELD(&d, weft_plugin_descriptor, name) && d.name != nullptr) info.name = d.name;
  if (WEFT_HAS_FIELD(&d, weft_plugin_descriptor, version) && d.version != nullptr) info.version = d.version;
  // Same major and a minor no newer than ours: what the plugin relies on exists here.
  if (d.abi_minor > WEFT_ABI_MINOR) {
    throw Refusal{"it was built for ABI " + info.abi + ", newer than this weftd's ABI " + kHostAbi +
                  "; upgrade weftd or build the plugin against an older SDK"};
  }
  if (d.struct_size < WEFT_PLUGIN_DESCRIPTOR_SIZE_2_0) {
    throw Refusal{"its descriptor is " + std::to_string(d.struct_size) + " bytes, at least " +
                  std::to_string(WEFT_PLUGIN_DESCRIPTOR_SIZE_2_0) + " (ABI " + kFirstAbiOfMajor + ") are needed"};
  }
}

// Every factory well-formed and every type name free, before anything is
// created. Each struct may be larger than its 2.0 size (a later minor), never smaller.
void PluginHost::check_factories(const weft_plugin_descriptor& d, PluginInfo& info) const {
  if (d.factory_count > 0 && d.factories == nullptr) {
    throw Refusal{"its descriptor counts " + std::to_string(d.factory_count) + " factories but has no list of them"};
  }
  for (size_t i = 0; i < d.factory_count; ++i) {
    const weft_factory* f = d.factories[i];
    std::string which = "factory " + std::to_string(i);
    if (f == nullptr) throw Refusal{which + " is a null pointer"};
    if (WEFT_HAS_FIELD(f, weft_factory, type_name) && f->type_name != nullptr) {
      which += std::string(" ('") + f->type_name + "')";
    }
    if (f->struct_size < WEFT_FACTORY_SIZE_2_0) {
      throw Refusal{which + " is " + std::to_string(f->struct_size) + " bytes, at least " +
                    std::to_string(WEFT_FACTORY_SIZE_2_0) + " (ABI " + kFirstAbiOfMajor + ") are needed"};
    }
    const size_t needed = vtable_size_2_0(f->kind);
    if (needed == 0) throw Refusal{which + " has an unknown kind " + std::to_string(f->kind)};
    if (f->type_name == nullptr || f->vtable == nullptr)
      throw Refusal{which + " has no type name or no function table"};
    const std::string provided = std::string(kind_name(f->kind)) + "/" + f->type_name;
    const size_t size = *static_cast<const size_t*>(f->vtable);  // every table begins with struct_size
    if (size < needed) {
      throw Refusal{provided + " has a function table of " + std::to_string(size) + " bytes, at least " +
                    std::to_string(needed) + " (ABI " + kFirstAbiOfMajor + ") are needed"};
    }
    const std::vector<std::string> missing = missing_required_functions(*f);
    if (!missing.empty()) {
      throw Refusal{provided + " leaves the required function" + (missing.size() > 1 ? "s " : " ") +
                    fmt::format("{}", fmt::join(missing, ", ")) + " NULL"};
    }
    const auto owner = std::find_if(infos_.begin(), infos_.end(), [&](const PluginInfo& p) {
      return p.loaded && std::find(p.provides.begin(), p.provides.end(), provided) != p.provides.end();
    });
    if (owner != infos_.end()) throw Refusal{provided + " is already provided by " + owner->path};
    info.provides.push_back(provided);
    if (info.kind.empty()) info.kind = kind_name(f->kind);
  }
}

void PluginHost::run_init(const weft_plugin_descriptor& d, const PluginInfo& info) {
  if (d.init == nullptr) return;
  PluginContext init_context(services_, info.name);
  weft_error err;
  if (call_plugin([&](weft_error* e) { return d.init(init_context.api(), e); }, err) != WEFT_OK) {
    throw Refusal{std::string("its init failed: ") + err.message};
  }
}

// Node types and executors get one object each now, so that a plugin that
// cannot create them is refused at start rather than failing its first task.
void PluginHost::create_objects(const weft_plugin_descriptor& d, const PluginHostSettings& settings,
                                const std::string& plugin_name, Loading& loading) {
  for (size_t i = 0; i < d.factory_count; ++i) {
    const weft_factory& f = *d.factories[i];
    const std::string type = f.type_name;
    if (f.kind == WEFT_KIND_STORAGE) {
      loading.storage.emplace_back(type,
                                   StorageFactory{loading.library, static_cast<const weft_store_vtable*>(f.vtable)});
      continue;
    }
    const nlohmann::json& configs =
        f.kind == WEFT_KIND_EXECUTOR ? settings.executor_configs : settings.node_type_configs;
    const std::string config = configs.contains(type) ? configs.at(type).dump() : std::string("{}");
    auto context = std::make_unique<PluginContext>(services_, plugin_name);
    void* object = nullptr;
    weft_error err;
    if (f.kind == WEFT_KIND_NODE) {
      const auto* vt = static_cast<const weft_node_vtable*>(f.vtable);
      if (call_plugin([&](weft_error* e) { return vt->create(context->api(), str(config), &object, e); }, err) !=
          WEFT_OK) {
        throw Refusal{"creating node type '" + type + "' failed: " + err.message};
      }
      loading.node_types.push_back(
          std::make_unique<NodeTypeHandle>(loading.library, vt, std::move(context), object, type));
    } else {
      const auto* vt = static_cast<const weft_executor_vtable*>(f.vtable);
      if (call_plugin([&](weft_error* e) { return vt->create(context->api(), str(config), &object, e); }, err) !=
          WEFT_OK) {
        // Installed but never configured, such as the executor of a remote
        // engine on a host that does not use it: left out, and the rest of
        // its plugin loads. Settings that are given and wrong refuse it.
        if (!settings.executor_configs.contains(type)) {
          loading.unconfigured.push_back("executor/" + type + ": " + err.message);
          continue;
        }
        throw Refusal{"creating executor '" + type + "' failed: " + err.message};
      }
      loading.executors.push_back(
          std::make_unique<ExecutorHandle>(loading.library, vt, std::move(context), object, type));
    }
  }
}

NodeTypeHandle* PluginHost::node_type(std::string_view type_name) const {
  const std::shared_lock read(registry_mutex_);
  const auto it = node_types_.find(type_name);
  return it == node_types_.end() ? nullptr : it->second.get();
}

ExecutorHandle* PluginHost::executor(std::string_view name) const {
  const std::shared_lock read(registry_mutex_);
  const auto it = executors_.find(name);
  return it == executors_.end() ? nullptr : it->second.get();
}

Result<std::unique_ptr<StoreClient>> PluginHost::open_store(std::string_view type_name, const nlohmann::json& config) {
  const std::lock_guard loading(loading_mutex_);  // no rescan adds storage meanwhile
  const auto it = storage_.find(type_name);
  if (it == storage_.end()) {
    return fail(ErrorCode::unavailable,
                "no loaded plugin provides the storage backend '" + std::string(type_name) + "'");
  }
  auto context = std::make_unique<PluginContext>(services_, std::string(type_name));
  const std::string text = config.dump();
  void* store = nullptr;
  weft_error err;
  const auto* vt = it->second.vtable;
  if (call_plugin([&](weft_error* e) { return vt->open(context->api(), str(text), &store, e); }, err) != WEFT_OK) {
    return fail(ErrorCode::unavailable, "cannot open the " + std::string(type_name) + " store: " + err.message);
  }
  store_contexts_.push_back(std::move(context));
  return std::make_unique<StoreClient>(it->second.library, vt, store);
}

std::optional<std::vector<Problem>> PluginHost::validate_params(std::string_view node_type,
                                                                const nlohmann::json& params) const {
  const NodeTypeHandle* handle = this->node_type(node_type);
  if (handle == nullptr) return std::nullopt;
  return handle->validate(params);
}

bool PluginHost::has_executor(std::string_view executor) const {
  const std::shared_lock read(registry_mutex_);
  return executors_.count(executor) > 0;
}

uint64_t PluginHost::executor_capabilities(std::string_view executor) const {
  const ExecutorHandle* handle = this->executor(executor);
  return handle == nullptr ? 0 : handle->capabilities();
}

namespace {

template <class Handle>
Result<Handle*> find_loaded(Handle* handle, const char* what, std::string_view name) {
  if (handle == nullptr)
    return fail(ErrorCode::unavailable, std::string(what) + " '" + std::string(name) + "' is not loaded");
  return handle;
}

}  // namespace

Result<sdk::Plan> PluginHost::plan(std::string_view node_type, const sdk::TaskSpec& task) {
  auto type = find_loaded(this->node_type(node_type), "node type", node_type);
  if (!type) return type.failure();
  return (*type)->plan(task);
}

Result<sdk::Plan> PluginHost::finish(std::string_view node_type, const sdk::TaskResult& result) {
  auto type = find_loaded(this->node_type(node_type), "node type", node_type);
  if (!type) return type.failure();
  return (*type)->finish(result);
}

Status PluginHost::cancel_pending(std::string_view node_type, std::string_view task_key) {
  auto type = find_loaded(this->node_type(node_type), "node type", node_type);
  if (!type) return type.failure();
  return (*type)->cancel(task_key);
}

Status PluginHost::start(std::string_view executor, const sdk::TaskSpec& task) {
  auto handle = find_loaded(this->executor(executor), "executor", executor);
  if (!handle) return handle.failure();
  return (*handle)->start(task);
}

Status PluginHost::cancel(std::string_view executor, std::string_view task_key) {
  auto handle = find_loaded(this->executor(executor), "executor", executor);
  if (!handle) return handle.failure();
  return (*handle)->cancel(task_key);
}

Status PluginHost::recover(std::string_view executor, const sdk::TaskSpec& task, std::string_view external_id) {
  auto handle = find_loaded(this->executor(executor), "executor", executor);
  if (!handle) return handle.failure();
  return (*handle)->recover(task, external_id);
}

Status PluginHost::start_run(std::string_view executor, const sdk::RunGraph& run) {
  auto handle = find_loaded(this->executor(executor), "executor", executor);
  if (!handle) return handle.failure();
  return (*handle)->start_run(run);
}

Status PluginHost::cancel_run(std::string_view executor, std::string_view run_id) {
  auto handle = find_loaded(this->executor(executor), "executor", executor);
  if (!handle) return handle.failure();
  return (*handle)->cancel_run(run_id);
}

}  // namespace weft::daemon
