#include "workflow/reference_check.hpp"

#include "workflow/json_pointer_text.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace weft::daemon {
namespace {

// Where a path is written decides what it may read.
struct Site {
  std::string pointer;
  std::size_t node = 0;
  bool item_is_set = false;  // in the params of a for_each node
};

// For each node, the set of nodes it transitively depends on: one bit per
// node, built in dependency order (n^2 / 8 bytes: 12.5 MB at the most nodes).
class UpstreamSets {
 public:
  UpstreamSets(const Workflow& workflow, const std::vector<std::size_t>& order)
      : words_per_node_((workflow.nodes.size() + 63) / 64),
        bits_(workflow.nodes.size() * words_per_node_),
        known_(workflow.nodes.size(), false) {
    for (const auto node : order) {
      for (const auto dependency : workflow.nodes[node].dependencies) {
        set(node, dependency);
        add_upstream_of(dependency, node);
      }
      known_[node] = true;
    }
  }

  bool knows(std::size_t node) const { return known_[node]; }
  bool contains(std::size_t node, std::size_t candidate) const {
    return (bits_[node * words_per_node_ + candidate / 64] >> (candidate % 64)) & 1U;
  }

 private:
  void add_upstream_of(std::size_t source, std::size_t node) {
    for (std::size_t w = 0; w < words_per_node_; ++w)
      bits_[node * words_per_node_ + w] |= bits_[source * words_per_node_ + w];
  }

  void set(std::size_t node, std::size_t candidate) {
    bits_[node * words_per_node_ + candidate / 64] |= std::uint64_t{1} << (candidate % 64);
  }

  std::size_t words_per_node_;
  std::vector<std::uint64_t> bits_;
  std::vector<bool> known_;
};

class ReferenceChecker {
 public:
  ReferenceChecker(const Workflow& workflow, const std::vector<std::size_t>& acyclic_order,
                   std::vector<Problem>& problems)
      : workflow_(workflow), problems_(problems), upstream_(workflow, acyclic_order) {}

  void check_node(std::size_t index) {
    const auto& node = workflow_.nodes[index];
    const auto& pointer = node.pointer;
    if (node.when) check(node.when->references(), Site{child_pointer(pointer, "when"), index, false});
    if (node.for_each) check(node.for_each->references(), Site{child_pointer(pointer, "for_each"), index, false});
    if (node.cache) {
      check(node.cache->key.references(),
            Site{child_pointer(child_pointer(pointer, "cache"), "key"), index, node.for_each.has_value()});
    }
    if (!node.params_template) return;
    const auto params_pointer = child_pointer(pointer, "params");
    for (const auto& slot : node.params_template->slots()) {
      check(slot.text.references(), Site{params_pointer + slot.pointer, index, node.for_each.has_value()});
    }
  }

 private:
  void check(const std::vector<ValuePath>& paths, const Site& site) {
    for (const auto& path : paths) {
      if (auto reason = why_unresolvable(path, site)) problems_.push_back({site.pointer, path.text() + ": " + *reason});
    }
  }

  std::optional<std::string> why_unresolvable(const ValuePath& path, const Site& site) const {
    const auto& root = path.steps[0].name;
    const auto field = path.steps.size() > 1 ? std::optional<std::string>(path.steps[1].name) : std::nullopt;
    if (root == "params") return field ? why_unknown_param(*field) : std::nullopt;
    if (root == "nodes") return why_unreadable_node(path, site);
    if (root == "item" || root == "index") {
      if (!site.item_is_set) return root + " is set only in the params of a node with for_each";
      if (root == "index" && field) return "index is a number and has no fields";
      return std::nullopt;
    }
    if (root == "run" && field && field != "id") {
      if (field != "status" && field != "failed_nodes") return "run has only id, status and failed_nodes";
      if (!workflow_.nodes[site.node].on_exit) return "run." + *field + " is set only in on_exit nodes";
    }
    if (root == "workflow" && field && field != "name" && field != "version") {
      return "workflow has only name and version";
    }
    return std::nullopt;
  }

  std::optional<std::string> why_unknown_param(const std::string& name) const {
    if (workflow_.params.contains(name)) return std::nullopt;
    if (workflow_.trigger_queue && name == "message") return std::nullopt;
    return "unknown parameter '" + name + "'; declare it in the workflow's params";
  }

  std::optional<std::string> why_unreadable_node(const ValuePath& path, const Site& site) const {
    const auto field = path.steps.size() >= 3 ? path.steps[2].name : std::string();
    if (field != "output" && field != "outputs" && field != "status") {
      return std::string("write nodes.<id>.output, nodes.<id>.outputs for a node with for_each, or nodes.<id>.status");
    }
    const auto& id = path.steps[1].name;
    const auto target = workflow_.node_index(id);
    if (!target) return "unknown node '" + id + "'";
    const auto& reader = workflow_.nodes[site.node];
    if (*target == site.node) return "node '" + id + "' cannot read its own " + field;
    // An exit handler starts once every node of the body is final.
    const bool final_before = reader.on_exit && !workflow_.nodes[*target].on_exit;
    if (!final_before && upstream_.knows(site.node) && !upstream_.contains(site.node, *target)) {
      return "node '" + id + "' is not upstream of '" + reader.id + "'; add it to depends_on";
    }
    if (field == "status") {
      if (path.steps.size() > 3) return "nodes." + id + ".status is a string and has no fields";
      return std::nullopt;
    }
    const bool has_for_each = workflow_.nodes[*target].for_each.has_value();
    if (has_for_each && path.steps[2].name == "output") {
      return "node '" + id + "' has for_each; read nodes." + id + ".outputs";
    }
    if (!has_for_each && path.steps[2].name == "outputs") {
      return "node '" + id + "' has no for_each; read nodes." + id + ".output";
    }
    return std::nullopt;
  }

  const Workflow& workflow_;
  std::vector<Problem>& problems_;
  UpstreamSets upstream_;
};

}  // namespace

void check_references(const Workflow& workflow, const std::vector<std::size_t>& acyclic_order,
                      std::vector<Problem>& problems) {
  ReferenceChecker checker(workflow, acyclic_order, problems);
  for (std::size_t i = 0; i < workflow.nodes.size(); ++i) checker.check_node(i);
}

}  // namespace weft::daemon
