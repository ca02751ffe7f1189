// Where a task attempt's files live under the state dir. The scheduler hands
// these paths to executors; the API serves the logs from them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace weft::daemon {

struct TaskFiles {
  std::filesystem::path stdout_path;
  std::filesystem::path stderr_path;
  std::filesystem::path output_path;
};

// <state_dir>/runs/<run_id>/<node>[.<index>].<attempt>.{stdout,stderr,output.json}
// index -1 is a node without for_each. Ids are validated names, safe in paths.
inline TaskFiles task_files(const std::filesystem::path& state_dir, std::string_view run_id, std::string_view node,
                            int64_t index, int attempt) {
  std::string stem(node);
  if (index >= 0) stem += "." + std::to_string(index);
  stem += "." + std::to_string(attempt);
  const auto dir = state_dir / "runs" / std::string(run_id);
  return {dir / (stem + ".stdout"), dir / (stem + ".stderr"), dir / (stem + ".output.json")};
}

}  // namespace weft::daemon
