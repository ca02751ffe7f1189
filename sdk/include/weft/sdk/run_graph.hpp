// A run handed whole to an executor (ABI 2.1, weft_run_graph): its nodes in
// dependency order, each as one task with its dependencies and for_each. Read
// back from the ABI view and turned into it here and nowhere else.
#pragma once

#include <weft/sdk/task.hpp>

#include <memory>
#include <string>
#include <vector>

namespace weft::sdk {

struct RunNode {
  TaskSpec task;                          // index unset, attempt 1, command planned
  std::vector<std::string> dependencies;  // ids of the nodes it waits for
  std::string for_each;                   // empty: none; JSON array text, or "{{nodes.<id>.output}}"
};

struct RunGraph {
  std::string run_id;
  std::string workflow;
  std::vector<RunNode> nodes;  // each after its dependencies
};

// The exact text that stands for the whole output of node `id` in a RunNode's strings.
inline std::string output_reference(const std::string& id) { return "{{nodes." + id + ".output}}"; }
// The exact text that stands for the for_each element in a RunNode's strings.
inline constexpr const char* kItemReference = "{{item}}";

inline RunGraph from_abi(const weft_run_graph& g) {
  require_size(g.struct_size, WEFT_RUN_GRAPH_SIZE_2_1, "weft_run_graph");
  RunGraph out;
  out.run_id = view(g.run_id);
  out.workflow = view(g.workflow);
  out.nodes.reserve(g.node_count);
  for (size_t i = 0; i < g.node_count; ++i) {
    const weft_run_node& n = *g.nodes[i];
    require_size(n.struct_size, WEFT_RUN_NODE_SIZE_2_1, "weft_run_node");
    if (n.task == nullptr) throw std::invalid_argument("a weft_run_node without its task");
    RunNode node{from_abi(*n.task), {}, std::string(view(n.for_each))};
    for (size_t d = 0; d < n.dependency_count; ++d) node.dependencies.emplace_back(view(n.dependencies[d]));
    out.nodes.push_back(std::move(node));
  }
  return out;
}

// The view of a RunGraph for the other side; borrows the graph's strings.
class AbiRunGraph {
 public:
  explicit AbiRunGraph(const RunGraph& g) {
    nodes_.reserve(g.nodes.size());
    for (const RunNode& n : g.nodes) nodes_.push_back(std::make_unique<Node>(n));
    for (const auto& n : nodes_) node_ptrs_.push_back(&n->abi);
    abi_.struct_size = sizeof(weft_run_graph);
    abi_.run_id = str(g.run_id);
    abi_.workflow = str(g.workflow);
    abi_.nodes = node_ptrs_.data();
    abi_.node_count = node_ptrs_.size();
  }
  AbiRunGraph(const AbiRunGraph&) = delete;
  AbiRunGraph& operator=(const AbiRunGraph&) = delete;
  const weft_run_graph* get() const { return &abi_; }

 private:
  struct Node {
    explicit Node(const RunNode& n) : task(n.task) {
      for (const auto& d : n.dependencies) dependencies.push_back(str(d));
      abi.struct_size = sizeof(weft_run_node);
      abi.task = task.get();
      abi.dependencies = dependencies.data();
      abi.dependency_count = dependencies.size();
      abi.for_each = str(n.for_each);
    }
    AbiTaskSpec task;
    std::vector<weft_str> dependencies;
    weft_run_node abi{};
  };
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<const weft_run_node*> node_ptrs_;
  weft_run_graph abi_{};
};

}  // namespace weft::sdk
