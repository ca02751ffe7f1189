// What workflow validation needs to know about the loaded plugins. The plugin
// host implements it; tests can hand in their own.
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace weft::daemon {

class NodeCatalog {
 public:
  virtual ~NodeCatalog() = default;
  // Any thread. nullopt: no loaded plugin provides this node type. Otherwise
  // the plugin's problems with the params, paths relative to the params.
  virtual std::optional<std::vector<Problem>> validate_params(std::string_view node_type,
                                                              const nlohmann::json& params) const = 0;
  // Any thread. Whether an executor of this name is loaded.
  virtual bool has_executor(std::string_view executor) const = 0;
  // Any thread. The executor's WEFT_EXECUTOR_CAP_* bits; 0 when it is not
  // loaded, and for catalogs whose executors have none.
  virtual uint64_t executor_capabilities(std::string_view /*executor*/) const { return 0; }
};

}  // namespace weft::daemon
