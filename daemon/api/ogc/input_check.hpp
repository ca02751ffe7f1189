// Checks an execution's input values against the schemas of the process's
// description: the OpenAPI 3.0 subset that workflow documents may use for
// `inputs` (daemon/workflow/process_interface.cpp). Annotations (format,
// contentMediaType, title...) constrain nothing.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace weft::daemon {

// Why `value` does not conform to `schema`, e.g. "is 12, above the maximum
// 10" or "/1 is a string, not an integer"; nullopt when it conforms.
std::optional<std::string> schema_violation(const nlohmann::json& value, const nlohmann::json& schema);

}  // namespace weft::daemon
