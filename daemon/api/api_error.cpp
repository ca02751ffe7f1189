#include "api/api_error.hpp"

namespace weft::daemon {

void raise(ErrorCode code, const std::string& message, std::vector<Problem> details) {
  throw ApiError(fail(code, message, std::move(details)));
}

nlohmann::json error_body(const ApiError& error) {
  auto details = nlohmann::json::array();
  for (const auto& problem : error.details) details.push_back({{"path", problem.path}, {"message", problem.message}});
  return {{"error", {{"code", error.code}, {"message", error.what()}, {"details", std::move(details)}}}};
}

}  // namespace weft::daemon
