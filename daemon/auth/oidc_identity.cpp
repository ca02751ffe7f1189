#include "auth/oidc_identity.hpp"

#include "auth/claim_roles.hpp"

#include <chrono>

namespace weft::daemon {

namespace {

int64_t wall_clock_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

OidcIdentity::OidcIdentity(const OidcSettings& settings)
    : roles_(settings.roles),
      keys_(JwksSource::open(settings)),
      verifier_(
          settings,
          [keys = keys_.get()](const std::string& kid, std::string& problem) { return keys->keys_for(kid, problem); },
          wall_clock_s) {}

std::shared_ptr<const OidcIdentity> open_oidc_identity(const OidcSettings& settings) {
  return settings.enabled() ? std::make_shared<const OidcIdentity>(settings) : nullptr;
}

Identification OidcIdentity::identify(std::string_view token) const {
  auto check = verifier_.verify(token);
  if (!check.valid) return {Identification::Outcome::invalid, std::move(check.problem), {}};
  Caller caller;
  caller.token_id = std::string(kJwtHolderPrefix) + check.claims.at("sub").get<std::string>();
  caller.expires_at = check.claims.at("exp").get<int64_t>() * 1000;
  const auto role = role_of(check.claims, roles_);
  if (!role) return {Identification::Outcome::no_role, "", std::move(caller)};
  caller.role = *role;
  return {Identification::Outcome::valid, "", std::move(caller)};
}

}  // namespace weft::daemon
