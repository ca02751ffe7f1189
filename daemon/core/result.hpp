// How the daemon's components report failures to each other and, in the end,
// to API clients: a Failure names a stable error code (docs/api.md), a message a
// user can act on, and the problems found, each at a JSON pointer.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace weft::daemon {

struct Problem {
  std::string path;  // JSON pointer into the input, "" for the whole of it
  std::string message;
  bool operator==(const Problem&) const = default;
};

enum class ErrorCode {
  invalid_request,    // 400: malformed or invalid input
  invalid_workflow,   // 400: a workflow document that fails validation
  unauthorized,       // 401
  forbidden,          // 403
  not_found,          // 404
  conflict,           // 409: e.g. cancel a finished run
  lease_lost,         // 409: a write for runs another instance has taken over (never reaches a client)
  held_elsewhere,     // 409: a command on a run another instance holds (the API sends it there)
  payload_too_large,  // 413
  too_many_requests,  // 429: a limit on things under way at once
  unavailable,        // 503: the store does not answer
  internal            // 500: a bug; logged
};

const char* to_string(ErrorCode code);
int http_status(ErrorCode code);

struct Failure {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::vector<Problem> details;
};

// A value or the Failure that prevented it.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Failure failure) : v_(std::move(failure)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Failure& failure() const { return std::get<1>(v_); }

 private:
  std::variant<T, Failure> v_;
};

struct Done {};
using Status = Result<Done>;

inline Failure fail(ErrorCode code, std::string message, std::vector<Problem> details = {}) {
  return Failure{code, std::move(message), std::move(details)};
}

}  // namespace weft::daemon
