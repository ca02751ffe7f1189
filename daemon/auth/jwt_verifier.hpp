// Checks a JWT (RFC 7519) of an OpenID Connect identity provider: its
// signature by one of the provider's keys, its issuer, its audience, and that
// it is within its validity (exp, nbf), give or take the leeway.
#pragma once

#include "auth/identity_settings.hpp"
#include "auth/jwks_keys.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace weft::daemon {

struct JwtCheck {
  bool valid = false;
  // Why not, fit for the client that sent the token: it names the claim or
  // key at fault and nothing of weftd's configuration or keys.
  std::string problem;
  nlohmann::json claims;  // the payload, when valid
};

class JwtVerifier {
 public:
  // The keys to check a token of key id `kid` with (JwksSource::keys_for).
  using KeysFor = std::function<std::shared_ptr<const JwksKeys>(const std::string& kid, std::string& problem)>;

  // now_s: the wall clock, in seconds since the epoch (injected for tests).
  JwtVerifier(OidcSettings settings, KeysFor keys_for, std::function<int64_t()> now_s);

  // Whether token has a JWT's form (three base64url parts, the first a JSON
  // object naming an "alg"), as weft's own tokens never have.
  static bool looks_like_jwt(std::string_view token);

  // Any thread; may wait for the provider's keys (JwksSource).
  JwtCheck verify(std::string_view token) const;

 private:
  std::string signature_problem(const nlohmann::json& header, std::string_view signed_part,
                                std::string_view signature) const;
  std::string claims_problem(const nlohmann::json& claims) const;

  const OidcSettings settings_;
  const KeysFor keys_for_;
  const std::function<int64_t()> now_s_;
};

}  // namespace weft::daemon
