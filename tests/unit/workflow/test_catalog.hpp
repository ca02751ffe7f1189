// What the workflow tests share: the test catalog, Problems printed readably
// in failures, and JSON files read whole.
#pragma once

#include "test_node_catalog.hpp"
#include "workflow/value_path.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>
#include <string>

namespace weft::daemon {

inline void PrintTo(const Problem& problem, std::ostream* out) {
  *out << "{\"" << problem.path << "\", \"" << problem.message << "\"}";
}

inline nlohmann::json read_json_file(const std::string& path) {
  std::ifstream file(path);
  return nlohmann::json::parse(file);
}

}  // namespace weft::daemon
