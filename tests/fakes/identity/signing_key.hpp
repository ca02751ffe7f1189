// The signing side of an OpenID Connect identity provider, for tests: key
// pairs made on the spot, their public halves as JWKs, and JWTs signed with
// them (RS256 with RSA keys, ES256 with P-256 keys).
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st;

namespace weft::fakes {

std::string base64url(std::string_view bytes);

class SigningKey {
 public:
  enum class Kind { rsa, p256 };

  // A new key pair (RSA keys have 2048 bits). Throws std::runtime_error.
  explicit SigningKey(std::string kid, Kind kind = Kind::rsa);

  const std::string& kid() const { return kid_; }
  // The public key as a JWK, with its kid and alg.
  nlohmann::json jwk() const;
  // A JWT of these claims, signed by this key, its header naming the key's kid.
  std::string sign(const nlohmann::json& claims) const;

 private:
  std::string kid_;
  Kind kind_;
  std::shared_ptr<evp_pkey_st> key_;
};

// A JWK Set of these keys' public halves.
nlohmann::json jwk_set(const std::vector<const SigningKey*>& keys);

}  // namespace weft::fakes
