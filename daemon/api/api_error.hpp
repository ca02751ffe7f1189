// How the API's handlers answer with an error: they throw ApiError, and the
// server turns it into the error body of docs/api.md. It never leaves weft_api.
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace weft::daemon {

struct ApiError : std::runtime_error {
  ApiError(int status, std::string code, const std::string& message, std::vector<Problem> details = {})
      : std::runtime_error(message), status(status), code(std::move(code)), details(std::move(details)) {}
  explicit ApiError(const Failure& failure)
      : ApiError(http_status(failure.code), to_string(failure.code), failure.message, failure.details) {}

  int status;
  std::string code;
  std::vector<Problem> details;
  std::vector<std::pair<std::string, std::string>> headers;  // sent with the error, e.g. Allow
};

[[noreturn]] void raise(ErrorCode code, const std::string& message, std::vector<Problem> details = {});

// {"error":{"code","message","details":[{"path","message"}]}}
nlohmann::json error_body(const ApiError& error);

template <class T>
T value_or_raise(Result<T> result) {
  if (!result) throw ApiError(result.failure());
  return std::move(result.value());
}

}  // namespace weft::daemon
