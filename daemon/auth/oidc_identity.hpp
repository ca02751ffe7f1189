// Who holds a JWT of the identity provider weftd trusts (api.oidc), and
// which weft role its claims grant. One per configuration: a reload makes a
// new one.
#pragma once

#include "auth/identity_settings.hpp"
#include "auth/jwks_source.hpp"
#include "auth/jwt_verifier.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace weft::daemon {

// What a JWT's holder is called where a weft token's id would be (the audit
// log, the policy engine's input): this, then the token's subject.
inline constexpr std::string_view kJwtHolderPrefix = "oidc:";

struct Identification {
  enum class Outcome { valid, invalid, no_role };
  Outcome outcome = Outcome::invalid;
  std::string problem;  // invalid: why (JwtCheck::problem)
  // valid: token_id kJwtHolderPrefix + sub, the role, and when the token expires;
  // no_role: all but the role.
  Caller caller;
};

class OidcIdentity {
 public:
  // Reads the JWKS file, or starts fetching the JWKS URL (JwksSource::open);
  // throws std::runtime_error when the file cannot be used.
  explicit OidcIdentity(const OidcSettings& settings);

  // Any thread; may wait for the provider's keys (JwksSource::keys_for).
  Identification identify(std::string_view token) const;

 private:
  const std::vector<ClaimRoleRule> roles_;
  std::unique_ptr<JwksSource> keys_;
  JwtVerifier verifier_;
};

// An OidcIdentity of these settings; nullptr when they are not enabled().
// Throws as the constructor does.
std::shared_ptr<const OidcIdentity> open_oidc_identity(const OidcSettings& settings);

}  // namespace weft::daemon
