// Fuzzes workflow documents as the API receives them: the JSON text, complete
// validation against a catalog of a few node types, then what the scheduler
// does with an accepted document (its digest, its run params, its templates
// and conditions rendered with those params).
#include "fuzz_support.hpp"
#include "test_node_catalog.hpp"
#include "workflow/workflow.hpp"

namespace {

using namespace weft::daemon;
using weft::fuzz::require;

const TestCatalog& catalog() {
  static const TestCatalog catalog = [] {
    TestCatalog c;
    c.other_types = {"any"};
    return c;
  }();
  return catalog;
}

void run_accepted(const Workflow& workflow) {
  require(!document_digest(workflow.document).empty(), "an accepted document has a digest");
  require(validate_run_params(workflow, nlohmann::json::object()).empty(), "no params is always valid");
  const nlohmann::json context = {{"params", effective_run_params(workflow, nlohmann::json::object())},
                                  {"run", {{"id", "run-1"}}},
                                  {"workflow", {{"name", workflow.name}, {"version", 1}}}};
  const JsonScope scope(context);
  for (size_t i = 0; i < workflow.nodes.size(); ++i) {
    const NodeSpec& node = workflow.nodes[i];
    require(workflow.node_index(node.id) == i, "every node is found by its id");
    require(node.dependencies.size() == node.depends_on.size(), "every dependency is resolved");
    // Paths to other nodes' outputs do not resolve here: a failure, never a crash.
    if (node.when) (void)node.when->test(scope);
    if (node.for_each) (void)node.for_each->render(scope);
    require(node.params_template.has_value(), "an accepted node has its params compiled");
    (void)node.params_template->render(scope);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto workflow = parse_workflow_text(weft::fuzz::text_of(data, size), catalog());
  if (workflow) {
    run_accepted(*workflow);
  } else {
    weft::fuzz::require_explained(workflow.failure());
  }
  return 0;
}
