// A built plugin file opened the way weftd opens it (RTLD_NOW | RTLD_LOCAL,
// its ABI version checked, never closed), for tests that go through the C
// vtables: the plugin's own load tests and the conformance suites.
//
//   weft::sdk::testing::LoadedPlugin plugin("/path/libweft-node-greet.so.2");
//   const weft_node_vtable& vtable = plugin.node_vtable("greet");
#pragma once

#include <dlfcn.h>
#include <weft/abi/weft_abi.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace weft::sdk::testing {

class LoadedPlugin {
 public:
  // Throws std::runtime_error naming the file when it cannot be loaded or was
  // built for an ABI this SDK does not accept.
  explicit LoadedPlugin(const std::string& path) : path_(path) {
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw std::runtime_error("cannot load " + path + ": " + ::dlerror());
    const auto entry = reinterpret_cast<weft_plugin_entry_fn>(::dlsym(handle, WEFT_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) throw std::runtime_error(path + " exports no " WEFT_PLUGIN_ENTRY_SYMBOL);
    descriptor_ = entry();
    if (descriptor_ == nullptr) throw std::runtime_error(path + " returned no descriptor");
    if (descriptor_->abi_major != WEFT_ABI_MAJOR || descriptor_->abi_minor > WEFT_ABI_MINOR) {
      throw std::runtime_error(path + " was built for ABI " + std::to_string(descriptor_->abi_major) + "." +
                               std::to_string(descriptor_->abi_minor) + ", this SDK accepts " +
                               std::to_string(WEFT_ABI_MAJOR) + ".0 to " + std::to_string(WEFT_ABI_MAJOR) + "." +
                               std::to_string(WEFT_ABI_MINOR));
    }
  }

  const weft_plugin_descriptor& descriptor() const { return *descriptor_; }

  // The factory of this kind and type name; throws if the plugin has none.
  const weft_factory& factory(weft_plugin_kind kind, std::string_view type_name) const {
    for (size_t i = 0; i < descriptor_->factory_count; ++i) {
      const weft_factory& f = *descriptor_->factories[i];
      if (f.kind == kind && type_name == f.type_name) return f;
    }
    throw std::runtime_error(path_ + " provides no " + std::string(type_name));
  }
  const weft_node_vtable& node_vtable(std::string_view type_name) const {
    return *static_cast<const weft_node_vtable*>(factory(WEFT_KIND_NODE, type_name).vtable);
  }
  const weft_executor_vtable& executor_vtable(std::string_view type_name) const {
    return *static_cast<const weft_executor_vtable*>(factory(WEFT_KIND_EXECUTOR, type_name).vtable);
  }
  const weft_store_vtable& store_vtable(std::string_view type_name) const {
    return *static_cast<const weft_store_vtable*>(factory(WEFT_KIND_STORAGE, type_name).vtable);
  }

 private:
  std::string path_;
  const weft_plugin_descriptor* descriptor_ = nullptr;
};

// A host whose services do nothing, for plugins that need a host table but
// whose log lines and events a test does not judge (stores, say).
inline const weft_host_api* quiet_host() {
  // Filled field by field: a field a later minor appends is zero, not a missing initializer.
  static const weft_host_api host = [] {
    weft_host_api h{};
    h.struct_size = sizeof h;
    h.log = [](void*, weft_log_level, weft_str) {};
    h.task_event = [](void*, const weft_task_event*) {};
    h.watch_fd = [](void*, int, weft_fd_callback, void*) { return WEFT_ERROR; };
    return h;
  }();
  return &host;
}

}  // namespace weft::sdk::testing
