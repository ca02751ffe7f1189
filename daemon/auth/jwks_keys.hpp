// The public keys of an identity provider, read from its JWK Set (RFC 7517),
// and the checks of JWS signatures (RFC 7515) made with them. OpenSSL, which
// weftd links for TLS, does both; Poco's JWT (1.11) reads keys only from PEM
// files, not a JWK's numbers, and would need them turned into PEM first.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace weft::daemon {

// base64url without padding (RFC 7515 §2), as JOSE writes everything.
// Throws std::invalid_argument when text is not that.
std::string base64url_decode(std::string_view text);

class PublicKey {
 public:
  // Takes ownership of key.
  explicit PublicKey(evp_pkey_st* key);
  // Whether signature is alg's signature of signed_part by this key. alg is
  // one of RS256, RS384, RS512 (an RSA key) and ES256 (a P-256 key); any
  // other algorithm, or one of another key type, is never verified.
  bool verifies(std::string_view alg, std::string_view signed_part, std::string_view signature) const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

class JwksKeys {
 public:
  // Reads a JWK Set's RSA and P-256 signing keys. Keys of other kinds, or for
  // encryption ("use": "enc"), are left out. Throws std::invalid_argument,
  // saying what is wrong, when text is not a JWK Set or holds no usable key.
  static JwksKeys parse(std::string_view text);

  // The key of this "kid"; with kid empty, the only key when there is one.
  // nullptr when there is none.
  const PublicKey* find(const std::string& kid) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, PublicKey> keys_;  // by kid ("" for a key without one)
};

}  // namespace weft::daemon
