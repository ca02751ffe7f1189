// Private to weft_workflow: finds the paths in a workflow's templates and
// expressions that can never resolve, whatever the run.
#pragma once

#include "core/result.hpp"
#include "workflow/workflow.hpp"

#include <vector>

namespace weft::daemon {

// Adds a problem for each such path, at the pointer of the string that holds it.
// `acyclic_order`: the nodes that are on no cycle and below none, each after
// its dependencies; whether the other nodes' references are upstream is not checked.
void check_references(const Workflow& workflow, const std::vector<std::size_t>& acyclic_order,
                      std::vector<Problem>& problems);

}  // namespace weft::daemon
