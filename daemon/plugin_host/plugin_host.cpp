#include "plugin_host/plugin_host.hpp"

#include <weft/sdk/plugin.hpp>

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstddef>

namespace weft::daemon {

namespace fs = std::filesystem;
using sdk::str;

namespace {

// A plugin refused for a reason the user can act on.
struct Refusal {
  std::string reason;
};

const char* kind_name(weft_plugin_kind kind) {
  switch (kind) {
    case WEFT_KIND_NODE: return "node";
    case WEFT_KIND_EXECUTOR: return "executor";
    case WEFT_KIND_STORAGE: return "storage";
  }
  return "unknown";
}

size_t required_vtable_size(weft_plugin_kind kind) {
  switch (kind) {
    case WEFT_KIND_NODE: return sizeof(weft_node_vtable);
    case WEFT_KIND_EXECUTOR: return sizeof(weft_executor_vtable);
    case WEFT_KIND_STORAGE: return sizeof(weft_store_vtable);
  }
  return 0;
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
};

PluginHost::PluginHost(HostServices& services) : services_(services) {}

PluginHost::~PluginHost() = default;

Status PluginHost::load(const PluginHostSettings& settings) {
  for (const auto& dir : settings.plugin_dirs) {
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
    for (const auto& file : files) load_file(file, settings);
  }
  for (const auto& required : settings.required_plugins) {
    const auto it = std::find_if(infos_.begin(), infos_.end(), [&](const PluginInfo& i) { return i.name == required; });
    if (it == infos_.end()) return fail(ErrorCode::unavailable, "required plugin '" + required + "' was not found");
    if (!it->loaded) {
      return fail(ErrorCode::unavailable, "required plugin '" + required + "' was refused: " + it->error);
    }
  }
  return Done{};
}

// open -> ABI -> factories -> init -> create -> register; any step may refuse.
void PluginHost::load_file(const fs::path& path, const PluginHostSettings& settings) {
  PluginInfo info;
  info.name = path.filename().string();
  info.path = path.string();
  try {
    check_permissions(path);
    Loading loading;
    loading.library = open_library(path);
    const weft_plugin_descriptor& d = loading.library->descriptor();
    describe(d, info);
    check_abi(d, info);
    check_factories(d, info);
    run_init(d, info);
    create_objects(d, settings, info.name, loading);
    for (auto& n : loading.node_types) node_types_.emplace(n->type_name(), std::move(n));
    for (auto& e : loading.executors) executors_.emplace(e->name(), std::move(e));
    for (auto& [type, factory] : loading.storage) storage_.emplace(type, std::move(factory));
    info.loaded = true;
    spdlog::info("loaded plugin {} {} (ABI {}) from {}: {}", info.name, info.version, info.abi, info.path,
                 fmt::join(info.provides, ", "));
  } catch (const Refusal& r) {
    info.loaded = false;
    info.error = r.reason;
    spdlog::error("refused plugin {}: {}", path.string(), r.reason);
  }
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
  constexpr size_t min_descriptor = offsetof(weft_plugin_descriptor, factory_count) + sizeof(size_t);
  if (d->struct_size < min_descriptor) {
    throw Refusal{"its descriptor is " + std::to_string(d->struct_size) + " bytes, at least " +
                  std::to_string(min_descriptor) + " are needed"};
  }
  return std::make_shared<const LoadedLibrary>(std::move(lib), path, d);
}

void PluginHost::describe(const weft_plugin_descriptor& d, PluginInfo& info) {
  info.abi = std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor);
  if (d.name != nullptr) info.name = d.name;
  if (d.version != nullptr) info.version = d.version;
}

// Same major, and a minor no newer than ours: what the plugin relies on exists here.
void PluginHost::check_abi(const weft_plugin_descriptor& d, const PluginInfo& info) {
  const std::string host_abi = std::to_string(WEFT_ABI_MAJOR) + "." + std::to_string(WEFT_ABI_MINOR);
  if (d.abi_major != WEFT_ABI_MAJOR) {
    throw Refusal{"it was built for ABI " + info.abi + ", this weftd speaks ABI " + host_abi +
                  " (the major versions must be equal); rebuild it against this SDK"};
  }
  if (d.abi_minor > WEFT_ABI_MINOR) {
    throw Refusal{"it was built for ABI " + info.abi + ", newer than this weftd's ABI " + host_abi +
                  "; upgrade weftd or build the plugin against an older SDK"};
  }
}

// Every factory well-formed and every type name free, before anything is created.
void PluginHost::check_factories(const weft_plugin_descriptor& d, PluginInfo& info) const {
  for (size_t i = 0; i < d.factory_count; ++i) {
    const weft_factory& f = d.factories[i];
    const std::string which = "factory " + std::to_string(i);
    if (f.struct_size < sizeof(weft_factory)) {
      throw Refusal{which + " is " + std::to_string(f.struct_size) + " bytes, " + std::to_string(sizeof(weft_factory)) +
                    " are needed"};
    }
    const size_t needed = required_vtable_size(f.kind);
    if (needed == 0) throw Refusal{which + " has an unknown kind"};
    if (f.type_name == nullptr || f.vtable == nullptr) throw Refusal{which + " has no name or function table"};
    const std::string provided = std::string(kind_name(f.kind)) + "/" + f.type_name;
    const size_t size = *static_cast<const size_t*>(f.vtable);
    if (size < needed) {
      throw Refusal{provided + " has a function table of " + std::to_string(size) + " bytes, " +
                    std::to_string(needed) + " are needed"};
    }
    const auto owner = std::find_if(infos_.begin(), infos_.end(), [&](const PluginInfo& p) {
      return p.loaded && std::find(p.provides.begin(), p.provides.end(), provided) != p.provides.end();
    });
    if (owner != infos_.end()) throw Refusal{provided + " is already provided by " + owner->path};
    info.provides.push_back(provided);
    if (info.kind.empty()) info.kind = kind_name(f.kind);
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
    const weft_factory& f = d.factories[i];
    const std::string type = f.type_name;
    if (f.kind == WEFT_KIND_STORAGE) {
      loading.storage.emplace_back(type,
                                   StorageFactory{loading.library, static_cast<const weft_store_vtable*>(f.vtable)});
      continue;
    }
    const std::string config = f.kind == WEFT_KIND_EXECUTOR && settings.executor_configs.contains(type)
                                   ? settings.executor_configs.at(type).dump()
                                   : std::string("{}");
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
        throw Refusal{"creating executor '" + type + "' failed: " + err.message};
      }
      loading.executors.push_back(
          std::make_unique<ExecutorHandle>(loading.library, vt, std::move(context), object, type));
    }
  }
}

NodeTypeHandle* PluginHost::node_type(std::string_view type_name) const {
  const auto it = node_types_.find(type_name);
  return it == node_types_.end() ? nullptr : it->second.get();
}

ExecutorHandle* PluginHost::executor(std::string_view name) const {
  const auto it = executors_.find(name);
  return it == executors_.end() ? nullptr : it->second.get();
}

Result<std::unique_ptr<StoreClient>> PluginHost::open_store(std::string_view type_name, const nlohmann::json& config) {
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

bool PluginHost::has_executor(std::string_view executor) const { return executors_.count(executor) > 0; }

}  // namespace weft::daemon
