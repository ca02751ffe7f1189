#include "signing_key.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdexcept>

namespace weft::fakes {

namespace {

constexpr int kP256Coordinate = 32;

std::string bignum_param(evp_pkey_st* key, const char* name, int padded_to = 0) {
  BIGNUM* value = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &value) != 1) throw std::runtime_error(std::string("no key parameter ") + name);
  std::string bytes(static_cast<size_t>(padded_to > 0 ? padded_to : BN_num_bytes(value)), '\0');
  BN_bn2binpad(value, reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  BN_free(value);
  return bytes;
}

std::string digest_sign(evp_pkey_st* key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, bytes, data.size()) != 1) {
    throw std::runtime_error("cannot sign");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytes, data.size()) !=
      1) {
    throw std::runtime_error("cannot sign");
  }
  signature.resize(length);
  return signature;
}

// ECDSA as JWS writes it: r and s, 32 bytes each, instead of DER.
std::string jose_of_der(const std::string& der) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &bytes, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (!sig) throw std::runtime_error("cannot read an ECDSA signature");
  std::string raw(2 * kP256Coordinate, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kP256Coordinate);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kP256Coordinate, kP256Coordinate);
  return raw;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int held = 0;
  for (const char c : bytes) {
    bits = (bits << 8U) | static_cast<unsigned char>(c);
    held += 8;
    while (held >= 6) {
      held -= 6;
      out += kAlphabet[(bits >> static_cast<unsigned>(held)) & 0x3fU];
    }
  }
  if (held > 0) out += kAlphabet[(bits << static_cast<unsigned>(6 - held)) & 0x3fU];
  return out;
}

SigningKey::SigningKey(std::string kid, Kind kind) : kid_(std::move(kid)), kind_(kind) {
  EVP_PKEY* key = kind == Kind::rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("cannot make a key pair");
  key_.reset(key, EVP_PKEY_free);
}

nlohmann::json SigningKey::jwk() const {
  if (kind_ == Kind::rsa) {
    return {{"kty", "RSA"},
            {"kid", kid_},
            {"use", "sig"},
            {"alg", "RS256"},
            {"n", base64url(bignum_param(key_.get(), OSSL_PKEY_PARAM_RSA_N))},
            {"e", base64url(bignum_param(key_.get(), OSSL_PKEY_PARAM_RSA_E))}};
  }
  return {{"kty", "EC"},
          {"kid", kid_},
          {"use", "sig"},
          {"alg", "ES256"},
          {"crv", "P-256"},
          {"x", base64url(bignum_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, kP256Coordinate))},
          {"y", base64url(bignum_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, kP256Coordinate))}};
}

std::string SigningKey::sign(const nlohmann::json& claims) const {
  const nlohmann::json header{{"alg", kind_ == Kind::rsa ? "RS256" : "ES256"}, {"typ", "JWT"}, {"kid", kid_}};
  const std::string signed_part = base64url(header.dump()) + "." + base64url(claims.dump());
  std::string signature = digest_sign(key_.get(), signed_part);
  if (kind_ == Kind::p256) signature = jose_of_der(signature);
  return signed_part + "." + base64url(signature);
}

nlohmann::json jwk_set(const std::vector<const SigningKey*>& keys) {
  auto items = nlohmann::json::array();
  for (const auto* key : keys) items.push_back(key->jwk());
  return {{"keys", std::move(items)}};
}

}  // namespace weft::fakes
