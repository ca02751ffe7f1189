// A NodeCatalog for tests: "command" (params: argv, a non-empty array),
// "noop" (no params), any type added to `other_types` (any params), and the
// executors in `executors`.
#pragma once

#include "workflow/node_catalog.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace weft::daemon {

class TestCatalog : public NodeCatalog {
 public:
  std::optional<std::vector<Problem>> validate_params(std::string_view node_type,
                                                      const nlohmann::json& params) const override {
    if (node_type == "command") return command_problems(params);
    if (node_type == "noop") {
      if (params.empty()) return std::vector<Problem>{};
      return std::vector<Problem>{{"", "noop takes no params"}};
    }
    if (other_types.contains(node_type)) return std::vector<Problem>{};
    return std::nullopt;
  }

  bool has_executor(std::string_view executor) const override { return executors.contains(executor); }

  std::set<std::string, std::less<>> other_types;
  std::set<std::string, std::less<>> executors{"process"};

 private:
  static std::vector<Problem> command_problems(const nlohmann::json& params) {
    const auto argv = params.find("argv");
    if (argv == params.end()) return {{"/argv", "is required"}};
    if (!argv->is_array() || argv->empty()) return {{"/argv", "must be a non-empty array"}};
    return {};
  }
};

}  // namespace weft::daemon
