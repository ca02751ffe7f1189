#include "api/api_error.hpp"

#include "api/representation.hpp"

namespace weft::daemon {

void raise(ErrorCode code, const std::string& message, std::vector<Problem> details) {
  throw ApiError(fail(code, message, std::move(details)));
}

nlohmann::json error_body(const ApiError& error) {
  return {{"error", {{"code", error.code}, {"message", error.what()}, {"details", problems_json(error.details)}}}};
}

}  // namespace weft::daemon
