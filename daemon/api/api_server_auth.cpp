// Who a request comes from, and whether that may do what it asks: ApiServer's
// check of the bearer token, apart from how requests are read and answered.
#include "api/api_error.hpp"
#include "api/api_server.hpp"
#include "api/representation.hpp"

#include <Poco/String.h>

namespace weft::daemon {

namespace {

ApiError unauthorized(const std::string& message) {
  ApiError error(fail(ErrorCode::unauthorized, message));
  error.headers.emplace_back("WWW-Authenticate", "Bearer");
  return error;
}

}  // namespace

void ApiServer::authorize(const std::string& authorization, Role needed, ApiRequest& request) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      Poco::icompare(authorization.substr(0, kScheme.size()), std::string(kScheme)) != 0) {
    throw unauthorized("this request needs an 'Authorization: Bearer <token>' header");
  }
  const std::string token = Poco::trim(authorization.substr(kScheme.size()));
  auto verified = verifier_.verify(token);
  if (verified.outcome == Verification::Outcome::unknown) {
    throw unauthorized("the bearer token is not valid (unknown or revoked)");
  }
  request.caller = std::move(verified.caller);
  if (verified.outcome == Verification::Outcome::expired) {
    throw unauthorized("the bearer token expired at " + timestamp(request.caller->expires_at).get<std::string>() +
                       "; ask an admin for a new one");
  }
  const Role role = request.caller->role;
  if (const auto wait = token_rate_.admit(token, std::chrono::steady_clock::now())) {
    ApiError error(fail(ErrorCode::too_many_requests,
                        "this token sent more than " + std::to_string(token_rate_.limit()) +
                            " requests a second (limits.max_requests_per_token_per_s); try again in " +
                            std::to_string(wait->count()) + " s"));
    error.headers.emplace_back("Retry-After", std::to_string(wait->count()));
    throw error;
  }
  if (!permits(role, needed)) {
    raise(ErrorCode::forbidden, std::string("a token of role '") + to_string(role) + "' may not do this; it needs '" +
                                    to_string(needed) + "'");
  }
}

}  // namespace weft::daemon
