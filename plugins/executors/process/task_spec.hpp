// The task spec start and recover receive (WEFT_TASK_SPEC in weft_abi.h),
// checked and typed.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::process {

struct TaskSpec {
  std::string task_key;
  std::string run_id;
  std::string node;
  std::optional<int64_t> index;  // absent for a node without for_each
  int64_t attempt = 1;
  std::vector<std::string> argv;                         // not empty
  std::vector<std::pair<std::string, std::string>> env;  // names are valid variable names
  std::string cwd;                                       // empty: weftd's own
  std::optional<uint64_t> memory_mb;
  std::string stdout_path;
  std::string stderr_path;
  std::string output_path;

  // Throws std::invalid_argument naming the field that is missing or wrong.
  static TaskSpec parse(const nlohmann::json& spec);
};

}  // namespace weft::process
