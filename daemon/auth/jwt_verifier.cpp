#include "auth/jwt_verifier.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <optional>
#include <vector>

namespace weft::daemon {

namespace {

constexpr std::array<std::string_view, 4> kAlgorithms{"RS256", "RS384", "RS512", "ES256"};

struct Parts {
  std::string_view header, payload, signature;
};

std::optional<Parts> split(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  return Parts{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1)};
}

// The JSON object a part holds; a discarded value when it holds none.
nlohmann::json object_in(std::string_view part) {
  try {
    auto value = nlohmann::json::parse(base64url_decode(part), nullptr, false);
    if (value.is_object()) return value;
  } catch (const std::invalid_argument&) {
  }
  return nlohmann::json(nlohmann::json::value_t::discarded);
}

std::string utc(int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

// A NumericDate (seconds since the epoch); nullopt when absent, or not a
// time of this or the next few thousand years.
std::optional<int64_t> seconds_claim(const nlohmann::json& claims, const char* name) {
  constexpr double kLatest = 1e11;
  const auto found = claims.find(name);
  if (found == claims.end() || !found->is_number()) return std::nullopt;
  const auto seconds = found->get<double>();
  if (!(seconds >= 0 && seconds < kLatest)) return std::nullopt;
  return static_cast<int64_t>(seconds);
}

// "aud" is one string or an array of them.
std::vector<std::string> audiences_of(const nlohmann::json& claims) {
  const auto aud = claims.find("aud");
  if (aud == claims.end()) return {};
  if (aud->is_string()) return {aud->get<std::string>()};
  std::vector<std::string> audiences;
  if (!aud->is_array()) return audiences;
  for (const auto& item : *aud) {
    if (item.is_string()) audiences.push_back(item.get<std::string>());
  }
  return audiences;
}

std::string string_claim(const nlohmann::json& claims, const char* name) {
  const auto found = claims.find(name);
  return found != claims.end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace

JwtVerifier::JwtVerifier(OidcSettings settings, KeysFor keys_for, std::function<int64_t()> now_s)
    : settings_(std::move(settings)), keys_for_(std::move(keys_for)), now_s_(std::move(now_s)) {}

bool JwtVerifier::looks_like_jwt(std::string_view token) {
  const auto parts = split(token);
  if (!parts) return false;
  const auto header = object_in(parts->header);
  return !header.is_discarded() && header.contains("alg");
}

JwtCheck JwtVerifier::verify(std::string_view token) const {
  const auto parts = split(token);
  const auto header = parts ? object_in(parts->header) : nlohmann::json(nlohmann::json::value_t::discarded);
  if (header.is_discarded()) return {false, "it is not a JWT: three base64url parts, the first a JSON object", {}};
  std::string signature;
  try {
    signature = base64url_decode(parts->signature);
  } catch (const std::invalid_argument&) {
    return {false, "its signature is not base64url", {}};
  }
  const std::string_view signed_part = token.substr(0, parts->header.size() + 1 + parts->payload.size());
  if (auto problem = signature_problem(header, signed_part, signature); !problem.empty()) return {false, problem, {}};
  auto claims = object_in(parts->payload);
  if (claims.is_discarded()) return {false, "its payload is not a JSON object", {}};
  if (auto problem = claims_problem(claims); !problem.empty()) return {false, problem, {}};
  return {true, "", std::move(claims)};
}

std::string JwtVerifier::signature_problem(const nlohmann::json& header, std::string_view signed_part,
                                           std::string_view signature) const {
  const auto alg = header.find("alg");
  if (!alg->is_string() ||
      std::find(kAlgorithms.begin(), kAlgorithms.end(), alg->get_ref<const std::string&>()) == kAlgorithms.end()) {
    return "it is signed with an algorithm weftd does not accept (RS256, RS384, RS512 and ES256 are)";
  }
  const auto kid_member = header.find("kid");
  const std::string kid = kid_member != header.end() && kid_member->is_string() ? kid_member->get<std::string>() : "";
  std::string unavailable;
  const auto keys = keys_for_(kid, unavailable);
  const PublicKey* key = keys ? keys->find(kid) : nullptr;
  if (key == nullptr) {
    if (!keys) return "the identity provider's keys could not be had; weftd's log says why";
    return "its signing key (kid '" + kid + "') is not among the identity provider's keys";
  }
  if (!key->verifies(alg->get<std::string>(), signed_part, signature)) {
    return "its signature is not the identity provider's (kid '" + kid + "')";
  }
  return {};
}

std::string JwtVerifier::claims_problem(const nlohmann::json& claims) const {
  if (string_claim(claims, "iss") != settings_.issuer) {
    return "it was issued by '" + string_claim(claims, "iss") + "', not by the identity provider weftd trusts";
  }
  const auto audiences = audiences_of(claims);
  const bool for_weft = std::any_of(audiences.begin(), audiences.end(), [this](const std::string& audience) {
    return std::find(settings_.audiences.begin(), settings_.audiences.end(), audience) != settings_.audiences.end();
  });
  if (!for_weft) return "its audience (aud) is not weftd's";
  if (string_claim(claims, "sub").empty()) return "it has no subject (sub)";
  const int64_t now = now_s_();
  const int64_t leeway = settings_.leeway.count();
  const auto expires = seconds_claim(claims, "exp");
  if (!expires) return "it has no expiry time (exp)";
  if (now >= *expires + leeway) return "it expired at " + utc(*expires);
  if (const auto not_before = seconds_claim(claims, "nbf"); not_before && now + leeway < *not_before) {
    return "it is not valid before " + utc(*not_before);
  }
  return {};
}

}  // namespace weft::daemon
