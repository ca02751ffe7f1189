#include "google_auth_fake.hpp"

#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/URI.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fake_text.hpp"

namespace weft::fakes {
namespace {

using nlohmann::json;

// The token endpoint's error body (RFC 6749 section 5.2).
FakeReply oauth_error(int status, const std::string& error, const std::string& description) {
  return {status, "application/json", json{{"error", error}, {"error_description", description}}.dump()};
}

std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> fields;
  for (const auto& pair : split(body, '&')) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos) continue;
    std::string name;
    std::string value;
    std::string plus_as_space = pair.substr(eq + 1);
    for (auto& c : plus_as_space) c = c == '+' ? ' ' : c;
    Poco::URI::decode(pair.substr(0, eq), name);
    Poco::URI::decode(plus_as_space, value);
    fields[name] = value;
  }
  return fields;
}

}  // namespace

GoogleAuthFake::GoogleAuthFake(const std::filesystem::path& dir, const std::string& server_url,
                               const std::string& project)
    : key_file_(dir / "service-account.json"),
      private_key_file_(dir / "service-account-key.pem"),
      client_email_("weft-tests@" + project + ".iam.gserviceaccount.com"),
      token_uri_(server_url + "/token"),
      project_(project) {}

const std::filesystem::path& GoogleAuthFake::key_file() {
  std::call_once(key_made_, [this] { make_key(); });
  return key_file_;
}

void GoogleAuthFake::make_key() {
  const Poco::Crypto::RSAKey key(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
  std::ostringstream public_pem;
  std::ostringstream private_pem;
  key.save(&public_pem, &private_pem);
  std::ofstream(private_key_file_) << private_pem.str();
  // The fields of the key file the IAM console hands out.
  const json key_json = {{"type", "service_account"},
                         {"project_id", project_},
                         {"private_key_id", "fake-key-1"},
                         {"private_key", private_pem.str()},
                         {"client_email", client_email_},
                         {"client_id", "100000000000000000001"},
                         {"auth_uri", token_uri_.substr(0, token_uri_.size() - 6) + "/auth"},
                         {"token_uri", token_uri_}};
  std::ofstream out(key_file_);
  out << key_json.dump(2);
  if (!out) throw std::runtime_error("cannot write the fake service-account key file " + key_file_.string());
}

std::optional<FakeReply> GoogleAuthFake::handle(const FakeRequest& request) {
  if (request.path == "/computeMetadata/v1/instance/service-accounts/default/token") {
    if (request.method != "GET") return oauth_error(405, "invalid_request", "GET only");
    if (request.header("metadata-flavor") != "Google") {
      return FakeReply{403, "text/html", "Missing Metadata-Flavor:Google header."};
    }
    return issue("metadata");
  }
  if (request.path == "/token") {
    if (request.method != "POST") return oauth_error(405, "invalid_request", "POST only");
    return exchange(request);
  }
  return std::nullopt;
}

FakeReply GoogleAuthFake::exchange(const FakeRequest& request) {
  auto fields = form_fields(request.body);
  if (fields["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
    return oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + fields["grant_type"]);
  }
  key_file();  // a JWT can only be signed with a key the fake made
  const Poco::SharedPtr<Poco::Crypto::RSAKey> key = new Poco::Crypto::RSAKey("", private_key_file_.string());
  Poco::JWT::Signer signer(key);
  signer.setAlgorithms({Poco::JWT::Signer::ALGO_RS256});
  Poco::JWT::Token jwt;
  if (!signer.tryVerify(fields["assertion"], jwt)) {
    return oauth_error(400, "invalid_grant", "Invalid JWT Signature.");
  }
  const auto audience = jwt.getAudience();
  if (jwt.getIssuer() != client_email_) return oauth_error(400, "invalid_grant", "Invalid issuer: " + jwt.getIssuer());
  if (audience.size() != 1 || audience[0] != token_uri_) {
    return oauth_error(400, "invalid_grant",
                       "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
  }
  if (!jwt.payload().has("scope") || jwt.payload().getValue<std::string>("scope").empty()) {
    return oauth_error(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  }
  const Poco::Timestamp now;
  const auto iat = jwt.getIssuedAt();
  const auto exp = jwt.getExpiration();
  constexpr Poco::Timestamp::TimeDiff kHour = 3600LL * 1000 * 1000;
  constexpr Poco::Timestamp::TimeDiff kSkew = 300LL * 1000 * 1000;
  if (exp <= now || iat > now + kSkew || exp - iat > kHour || exp <= iat) {
    return oauth_error(400, "invalid_grant",
                       "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                       "Check your iat and exp values in the JWT claim.");
  }
  return issue("jwt");
}

FakeReply GoogleAuthFake::issue(const std::string& how) {
  const std::lock_guard lock(mutex_);
  const std::string token = "ya29.fake-" + how + "-" + std::to_string(next_++);
  tokens_[token] = Clock::now() + lifetime_;
  ++issued_[how];
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(lifetime_).count();
  return {200, "application/json",
          json{{"access_token", token}, {"expires_in", seconds}, {"token_type", "Bearer"}}.dump()};
}

bool GoogleAuthFake::authorized(const FakeRequest& request) const {
  const std::string authorization = request.header("authorization");
  static constexpr std::string_view kBearer = "Bearer ";
  if (authorization.rfind(kBearer, 0) != 0) return false;
  const std::lock_guard lock(mutex_);
  const auto it = tokens_.find(authorization.substr(kBearer.size()));
  return it != tokens_.end() && Clock::now() < it->second;
}

void GoogleAuthFake::set_lifetime(std::chrono::milliseconds lifetime) {
  const std::lock_guard lock(mutex_);
  lifetime_ = lifetime;
}

void GoogleAuthFake::revoke_all() {
  const std::lock_guard lock(mutex_);
  tokens_.clear();
}

int GoogleAuthFake::issued(const std::string& how) const {
  const std::lock_guard lock(mutex_);
  const auto it = issued_.find(how);
  return it == issued_.end() ? 0 : it->second;
}

}  // namespace weft::fakes
