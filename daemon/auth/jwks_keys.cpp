#include "auth/jwks_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <nlohmann/json.hpp>

#include <array>
#include <stdexcept>

namespace weft::daemon {

namespace {

// -1 for a byte outside the base64url alphabet.
int sextet(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

template <class T, void (*Free)(T*)>
struct Freed {
  void operator()(T* p) const { Free(p); }
};
using Bignum = std::unique_ptr<BIGNUM, Freed<BIGNUM, BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Freed<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Freed<OSSL_PARAM, OSSL_PARAM_free>>;
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, Freed<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, Freed<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSignature = std::unique_ptr<ECDSA_SIG, Freed<ECDSA_SIG, ECDSA_SIG_free>>;

std::string member(const nlohmann::json& jwk, const char* name) {
  if (!jwk.is_object()) throw std::invalid_argument("is not an object");
  const auto found = jwk.find(name);
  if (found == jwk.end() || !found->is_string()) {
    throw std::invalid_argument(std::string("has no string \"") + name + "\"");
  }
  return found->get<std::string>();
}

Bignum bignum(const std::string& bytes) {
  return Bignum(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

EVP_PKEY* key_from(const char* type, OSSL_PARAM_BLD* builder) {
  const Params params(OSSL_PARAM_BLD_to_param(builder));
  const KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw std::invalid_argument("is not a valid public key");
  }
  return key;
}

EVP_PKEY* rsa_key(const nlohmann::json& jwk) {
  const Bignum n = bignum(base64url_decode(member(jwk, "n")));
  const Bignum e = bignum(base64url_decode(member(jwk, "e")));
  const ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!n || !e || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    throw std::invalid_argument("is not a valid RSA public key");
  }
  return key_from("RSA", builder.get());
}

EVP_PKEY* p256_key(const nlohmann::json& jwk) {
  constexpr size_t kCoordinate = 32;
  const std::string x = base64url_decode(member(jwk, "x"));
  const std::string y = base64url_decode(member(jwk, "y"));
  if (x.size() != kCoordinate || y.size() != kCoordinate) throw std::invalid_argument("is not a P-256 point");
  const std::string point = '\x04' + x + y;  // uncompressed (SEC 1)
  const ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    throw std::invalid_argument("is not a valid P-256 public key");
  }
  return key_from("EC", builder.get());
}

// nullptr for a key weft does not verify with (another type or curve, or an
// encryption key); throws std::invalid_argument for one that is broken.
EVP_PKEY* signing_key(const nlohmann::json& jwk) {
  if (jwk.contains("use") && member(jwk, "use") != "sig") return nullptr;
  const std::string type = member(jwk, "kty");
  if (type == "RSA") return rsa_key(jwk);
  if (type == "EC" && member(jwk, "crv") == "P-256") return p256_key(jwk);
  return nullptr;
}

const EVP_MD* rsa_digest(std::string_view alg) {
  if (alg == "RS256") return EVP_sha256();
  if (alg == "RS384") return EVP_sha384();
  if (alg == "RS512") return EVP_sha512();
  return nullptr;
}

// JWS writes an ECDSA signature as r and s of 32 bytes each; OpenSSL reads DER.
std::string der_of_p256_signature(std::string_view signature) {
  constexpr size_t kHalf = 32;
  if (signature.size() != 2 * kHalf) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
  EcdsaSignature sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, kHalf, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kHalf, kHalf, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

bool digest_verifies(EVP_PKEY* key, const EVP_MD* digest, std::string_view signed_part, std::string_view signature) {
  const DigestContext context(EVP_MD_CTX_new());
  return context && EVP_DigestVerifyInit(context.get(), nullptr, digest, nullptr, key) == 1 &&
         EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
}

}  // namespace

std::string base64url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned bits = 0;
  int held = 0;
  for (const char c : text) {
    const int value = sextet(static_cast<unsigned char>(c));
    if (value < 0) throw std::invalid_argument("is not base64url");
    bits = (bits << 6U) | static_cast<unsigned>(value);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out += static_cast<char>((bits >> static_cast<unsigned>(held)) & 0xffU);
    }
  }
  if (held >= 6) throw std::invalid_argument("is not base64url");  // one character left over
  return out;
}

PublicKey::PublicKey(evp_pkey_st* key) : key_(key, EVP_PKEY_free) {}

bool PublicKey::verifies(std::string_view alg, std::string_view signed_part, std::string_view signature) const {
  if (const EVP_MD* digest = rsa_digest(alg)) {
    return EVP_PKEY_is_a(key_.get(), "RSA") == 1 && digest_verifies(key_.get(), digest, signed_part, signature);
  }
  if (alg == "ES256" && EVP_PKEY_is_a(key_.get(), "EC") == 1) {
    const std::string der = der_of_p256_signature(signature);
    return !der.empty() && digest_verifies(key_.get(), EVP_sha256(), signed_part, der);
  }
  return false;
}

JwksKeys JwksKeys::parse(std::string_view text) {
  const auto document = nlohmann::json::parse(text, nullptr, false);
  if (!document.is_object() || !document.contains("keys") || !document["keys"].is_array()) {
    throw std::invalid_argument("is not a JWK Set: a JSON object with an array \"keys\"");
  }
  JwksKeys set;
  const auto& keys = document["keys"];
  for (size_t i = 0; i < keys.size(); ++i) {
    try {
      const std::string kid = keys[i].contains("kid") ? member(keys[i], "kid") : "";
      if (EVP_PKEY* key = signing_key(keys[i])) set.keys_.insert_or_assign(kid, PublicKey(key));
    } catch (const std::exception& e) {  // invalid_argument, or a member of the wrong type
      throw std::invalid_argument("its key " + std::to_string(i) + " " + e.what());
    }
  }
  if (set.keys_.empty()) throw std::invalid_argument("holds no RSA or P-256 signing key");
  return set;
}

const PublicKey* JwksKeys::find(const std::string& kid) const {
  if (kid.empty() && keys_.size() == 1) return &keys_.begin()->second;
  const auto found = keys_.find(kid);
  return found == keys_.end() ? nullptr : &found->second;
}

}  // namespace weft::daemon
