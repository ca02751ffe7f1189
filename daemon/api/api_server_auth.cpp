// Who a request comes from, and whether that may do what it asks: ApiServer's
// check of the bearer token (a weft token, or a JWT of the identity provider
// of api.oidc) and of the policy engine of api.policy, apart from how
// requests are read and answered.
#include "api/api_error.hpp"
#include "api/api_server.hpp"
#include "api/representation.hpp"

#include <Poco/String.h>
#include <spdlog/spdlog.h>

namespace weft::daemon {

namespace {

ApiError unauthorized(const std::string& message) {
  ApiError error(fail(ErrorCode::unauthorized, message));
  error.headers.emplace_back("WWW-Authenticate", "Bearer");
  return error;
}

std::string bearer_token(const std::string& authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      Poco::icompare(authorization.substr(0, kScheme.size()), std::string(kScheme)) != 0) {
    throw unauthorized("this request needs an 'Authorization: Bearer <token>' header");
  }
  return Poco::trim(authorization.substr(kScheme.size()));
}

// The path asked for, rebuilt from the route and what its "{…}" captured.
std::string path_of(const Route& route, const ApiRequest& request) {
  std::string path;
  size_t capture = 0;
  for (const auto& segment : route.pattern) {
    const bool captured = segment.front() == '{' && capture < request.captures.size();
    path += "/" + (captured ? request.captures[capture++] : segment);
  }
  return path;
}

}  // namespace

void ApiServer::set_oidc(std::shared_ptr<const OidcIdentity> oidc) {
  const std::lock_guard lock(identity_mutex_);
  oidc_ = std::move(oidc);
}

void ApiServer::set_web_sign_in(const WebSignInSettings& web) {
  const std::lock_guard lock(identity_mutex_);
  web_sign_in_ = web;
}

void ApiServer::set_policy(const PolicySettings& policy) {
  auto hook = policy.enabled() ? std::make_shared<PolicyHook>(policy) : nullptr;
  const std::lock_guard lock(identity_mutex_);
  policy_ = std::move(hook);
}

void ApiServer::authorize(const std::string& authorization, const Route& route, ApiRequest& request) {
  const std::string token = bearer_token(authorization);
  identify(token, request);
  const Role role = request.caller->role;
  if (const auto wait = token_rate_.admit(token, std::chrono::steady_clock::now())) {
    ApiError error(fail(ErrorCode::too_many_requests,
                        "this token sent more than " + std::to_string(token_rate_.limit()) +
                            " requests a second (limits.max_requests_per_token_per_s); try again in " +
                            std::to_string(wait->count()) + " s"));
    error.headers.emplace_back("Retry-After", std::to_string(wait->count()));
    throw error;
  }
  const Role needed = *route.required_role;
  if (!permits(role, needed)) {
    raise(ErrorCode::forbidden, std::string("a token of role '") + to_string(role) + "' may not do this; it needs '" +
                                    to_string(needed) + "'");
  }
  ask_policy(route, request);
}

void ApiServer::identify(const std::string& token, ApiRequest& request) {
  if (JwtVerifier::looks_like_jwt(token)) {
    std::shared_ptr<const OidcIdentity> oidc;
    {
      const std::lock_guard lock(identity_mutex_);
      oidc = oidc_;
    }
    if (!oidc) throw unauthorized("the bearer token is a JWT, but weftd trusts no identity provider (api.oidc)");
    auto identified = oidc->identify(token);
    if (identified.outcome == Identification::Outcome::invalid) {
      throw unauthorized("the bearer token (a JWT) is not valid: " + identified.problem);
    }
    request.caller = std::move(identified.caller);
    if (identified.outcome == Identification::Outcome::no_role) {
      raise(ErrorCode::forbidden, "the JWT of '" + request.caller->token_id.substr(kJwtHolderPrefix.size()) +
                                      "' grants no weft role: none of its claims matches a rule of api.oidc.roles");
    }
    return;
  }
  auto verified = verifier_.verify(token);
  if (verified.outcome == Verification::Outcome::unknown) {
    throw unauthorized("the bearer token is not valid (unknown or revoked)");
  }
  request.caller = std::move(verified.caller);
  if (verified.outcome == Verification::Outcome::expired) {
    throw unauthorized("the bearer token expired at " + timestamp(request.caller->expires_at).get<std::string>() +
                       "; ask an admin for a new one");
  }
}

void ApiServer::ask_policy(const Route& route, const ApiRequest& request) {
  std::shared_ptr<PolicyHook> policy;
  {
    const std::lock_guard lock(identity_mutex_);
    policy = policy_;
  }
  if (!policy) return;
  const PolicyInput input{request.caller->token_id,
                          {to_string(request.caller->role)},
                          request.method,
                          path_of(route, request),
                          workflow_of(route, request)};
  const auto decision = policy->decide(input);
  if (!decision.failure.empty()) {
    spdlog::warn(
        "the policy engine (api.policy) did not decide on {} {} for {}: {}; the request is {} "
        "(api.policy.on_error)",
        input.method, input.path, input.user, decision.failure, decision.allowed ? "allowed" : "denied");
  }
  if (decision.allowed) return;
  raise(ErrorCode::forbidden, decision.failure.empty()
                                  ? "the policy (api.policy) denied this request"
                                  : "the policy engine (api.policy) did not decide, and weftd denies what it cannot "
                                    "ask about; weftd's log says why");
}

// The workflow a request names in its path or query (an OGC process is a
// workflow); for one on a run (or OGC job), the run's (read from the store, as only a configured policy needs it).
std::optional<std::string> ApiServer::workflow_of(const Route& route, const ApiRequest& request) const {
  size_t capture = 0;
  for (size_t i = 0; i < route.pattern.size() && capture < request.captures.size(); ++i) {
    const std::string& segment = route.pattern[i];
    if (segment.front() != '{') continue;
    const std::string& value = request.captures[capture++];
    const std::string& collection = i > 0 ? route.pattern[i - 1] : segment;
    if (collection == "workflows" || collection == "schedules" || collection == "processes") return value;
    if (collection == "runs" || collection == "jobs") {
      const auto run = store_.get_run(value);
      return run ? std::optional(run->workflow) : std::nullopt;
    }
  }
  const auto named = request.query.find("workflow");
  if (named != request.query.end()) return named->second;
  return std::nullopt;
}

}  // namespace weft::daemon
