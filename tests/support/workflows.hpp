// Test support: builders for the workflow documents the end-to-end suites run,
// and probes of what their tasks left behind (files, processes). Tasks are
// real `sh` scripts run by the process executor; they talk to the test
// through files in a TempDir.
#pragma once

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace weft::test {

// One node of a workflow document, built by chaining its optional fields.
class Node {
 public:
  Node(std::string id, std::string type, nlohmann::json params)
      : node_({{"id", std::move(id)}, {"type", std::move(type)}, {"params", std::move(params)}}) {}

  Node& after(std::vector<std::string> dependencies) {
    node_["depends_on"] = std::move(dependencies);
    return *this;
  }
  Node& when(std::string expression) {
    node_["when"] = std::move(expression);
    return *this;
  }
  Node& for_each(std::string items_template) {
    node_["for_each"] = std::move(items_template);
    return *this;
  }
  Node& max_parallel(int limit) {
    node_["max_parallel"] = limit;
    return *this;
  }
  Node& retry(int max_attempts, double backoff_s) {
    node_["retry"] = {{"max_attempts", max_attempts}, {"backoff_s", backoff_s}};
    return *this;
  }
  Node& timeout_s(double seconds) {
    node_["timeout_s"] = seconds;
    return *this;
  }
  Node& executor(std::string name) {
    node_["executor"] = std::move(name);
    return *this;
  }
  const nlohmann::json& json() const { return node_; }

 private:
  nlohmann::json node_;
};

// A `command` node running `sh -c script`; args become $1, $2, ... and may
// hold templates ("{{ item }}", "{{ nodes.a.output.x }}").
inline Node sh(std::string id, const std::string& script, const std::vector<std::string>& args = {}) {
  nlohmann::json argv = {"sh", "-c", script, "sh"};
  for (const auto& arg : args) argv.push_back(arg);
  return Node(std::move(id), "command", {{"argv", std::move(argv)}});
}

// A `command` node running argv as given, without a shell.
inline Node command(std::string id, std::vector<std::string> argv) {
  return Node(std::move(id), "command", {{"argv", std::move(argv)}});
}

// A `noop` node: succeeds inside the daemon with `output` (rendered).
inline Node noop(std::string id, nlohmann::json output = nullptr) {
  return Node(std::move(id), "noop", {{"output", std::move(output)}});
}

inline nlohmann::json workflow(std::string name, const std::vector<Node>& nodes,
                               nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json document = {{"name", std::move(name)}, {"nodes", nlohmann::json::array()}};
  for (const auto& node : nodes) document["nodes"].push_back(node.json());
  document.merge_patch(extra);
  return document;
}

// `text` as one single-quoted shell word.
inline std::string quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline std::string quoted(const std::filesystem::path& path) { return quoted(path.string()); }

// Shell: writes $1, taken as JSON text, as the task's output.
inline constexpr const char* kOutputFirstArg = "printf '%s' \"$1\" > \"$WEFT_OUTPUT\"";

// Shell: appends the task's name ("node" or "node[index]") to `file`, one
// line per attempt; count_lines() then says how often each task ran.
inline std::string record_run_in(const std::filesystem::path& file) {
  return "echo \"$WEFT_NODE${WEFT_INDEX:+[$WEFT_INDEX]}\" >> " + quoted(file);
}

// Shell: waits (up to about 30 s) until `file` exists.
inline std::string wait_for_file(const std::filesystem::path& file) {
  return "i=0; while [ ! -e " + quoted(file) + " ] && [ $i -lt 600 ]; do i=$((i+1)); sleep 0.05; done";
}

inline std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// How many lines of `file` are exactly `line`.
inline int count_lines(const std::filesystem::path& file, const std::string& line) {
  int count = 0;
  for (const auto& l : read_lines(file)) count += l == line ? 1 : 0;
  return count;
}

// The pid written to `file` (by `echo $$ > file`), or -1.
inline pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  long pid = -1;
  in >> pid;
  return in ? static_cast<pid_t>(pid) : -1;
}

// Whether the process exists and has not ended: a zombie waiting for its
// parent to reap it counts as ended.
inline bool process_alive(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto after_name = content.rfind(')');
  return after_name == std::string::npos || after_name + 2 >= content.size() || content[after_name + 2] != 'Z';
}

}  // namespace weft::test
