#include "params.hpp"

#include "arguments.hpp"

namespace weft::cli {

nlohmann::json parse_params(const std::vector<std::string>& assignments) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& assignment : assignments) {
    const auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw UsageError("-p takes key=value, not '" + assignment + "'");
    }
    const std::string text = assignment.substr(equals + 1);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    params[assignment.substr(0, equals)] = value.is_discarded() ? nlohmann::json(text) : std::move(value);
  }
  return params;
}

}  // namespace weft::cli
