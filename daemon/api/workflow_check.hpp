// Validation of a workflow document without storing it (POST /workflows/validate).
#pragma once

#include "core/result.hpp"
#include "workflow/workflow.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace weft::daemon {

// Every problem of the document, each at a JSON pointer; empty when it is valid.
std::vector<Problem> workflow_problems(const nlohmann::json& document, const NodeCatalog& catalog,
                                       const DocumentLimits& limits);

}  // namespace weft::daemon
