#include "api/workflow_check.hpp"

#include "workflow/workflow.hpp"

namespace weft::daemon {

std::vector<Problem> workflow_problems(const nlohmann::json& document, const NodeCatalog& catalog,
                                       const DocumentLimits& limits) {
  const auto parsed = parse_workflow(document, catalog, limits);
  if (parsed) return {};
  if (!parsed.failure().details.empty()) return parsed.failure().details;
  return {{"", parsed.failure().message}};
}

}  // namespace weft::daemon
