#include "store/run_results.hpp"

#include <map>

namespace weft::daemon {

namespace {

// Outputs of one node, from its rows in the store (ordered by index).
nlohmann::json node_outputs(const nlohmann::json& node, const std::vector<TaskRecord>& tasks) {
  const std::string id = node.value("id", "");
  if (!node.contains("for_each")) {
    for (const auto& task : tasks) {
      if (task.node == id && task.index < 0) return stored_json(task.output_json);
    }
    return nullptr;
  }
  std::map<int64_t, nlohmann::json> by_index;
  for (const auto& task : tasks) {
    if (task.node == id && task.index >= 0) by_index[task.index] = stored_json(task.output_json);
  }
  auto outputs = nlohmann::json::array();
  for (auto& [index, output] : by_index) outputs.push_back(std::move(output));
  return outputs;
}

}  // namespace

nlohmann::json stored_json(const std::string& text) {
  if (text.empty()) return nullptr;
  auto value = nlohmann::json::parse(text, nullptr, false);
  return value.is_discarded() ? nlohmann::json(text) : value;
}

nlohmann::json results_json(const RunRecord& run, const std::vector<TaskRecord>& tasks) {
  // The run's own copy of its document says which nodes have for_each: a
  // for_each node that has no elements yet still answers with [].
  const auto document = stored_json(run.document_json);
  auto outputs = nlohmann::json::object();
  for (const char* list : {"nodes", "on_exit"}) {  // the exit handlers have outputs too
    const auto nodes = document.is_object() ? document.value(list, nlohmann::json::array()) : nlohmann::json::array();
    for (const auto& node : nodes) {
      if (node.is_object() && node.value("id", nlohmann::json()).is_string()) {
        outputs[node["id"].get<std::string>()] = node_outputs(node, tasks);
      }
    }
  }
  return {{"status", sdk::to_string(run.status)}, {"outputs", std::move(outputs)}};
}

}  // namespace weft::daemon
