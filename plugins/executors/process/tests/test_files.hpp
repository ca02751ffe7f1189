// Scratch directories, file helpers and tasks for the process executor's tests.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/task.hpp>

namespace weft::process_test {

// A fresh directory under TMPDIR, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "weft-process-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A task as weftd hands it to the executor: the first attempt of node "step"
// (no for_each) of run "run-1", running argv, its logs and output under
// dir/runs/ (a directory that does not exist yet).
inline sdk::TaskSpec task_in(const ScratchDir& dir, const std::string& key, std::vector<std::string> argv) {
  sdk::TaskSpec task;
  task.task_key = key;
  task.run_id = "run-1";
  task.workflow = "wf";
  task.node = "step";
  task.executor = "process";
  task.stdout_path = dir / ("runs/" + key + ".stdout");
  task.stderr_path = dir / ("runs/" + key + ".stderr");
  task.output_path = dir / ("runs/" + key + ".output.json");
  task.command.emplace().argv = std::move(argv);
  return task;
}

}  // namespace weft::process_test
