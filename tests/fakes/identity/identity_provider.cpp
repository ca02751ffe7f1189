#include "identity_provider.hpp"

#include <Poco/URI.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <ctime>
#include <regex>
#include <stdexcept>

namespace weft::fakes {

namespace {

constexpr const char* kRealm = "/realms/test";
constexpr const char* kJwksPath = "/realms/test/protocol/openid-connect/certs";
constexpr const char* kAuthorizePath = "/realms/test/protocol/openid-connect/auth";
constexpr const char* kTokenPath = "/realms/test/protocol/openid-connect/token";
constexpr std::chrono::seconds kCodeLifetime{60};

// An OAuth error as RFC 6749 5.2 words it.
FakeReply oauth_error(int status, const std::string& error, const std::string& description) {
  return FakeReply{status, "application/json",
                   nlohmann::json{{"error", error}, {"error_description", description}}.dump()};
}

FakeReply server_error(int status, const std::string& message) {
  return oauth_error(status, "invalid_request", message);
}

std::string random_token() {
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("no random bytes");
  }
  return base64url(bytes);
}

// RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier))).
std::string s256(const std::string& verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(verifier.data(), verifier.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("cannot hash");
  }
  return base64url(std::string_view(reinterpret_cast<const char*>(digest), length));
}

// application/x-www-form-urlencoded, as the page's URLSearchParams sends it.
std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start <= body.size()) {
    const size_t end = std::min(body.find('&', start), body.size());
    const std::string pair = body.substr(start, end - start);
    const size_t equals = pair.find('=');
    std::string name;
    std::string value;
    Poco::URI::decode(pair.substr(0, equals), name, true);
    if (equals != std::string::npos) Poco::URI::decode(pair.substr(equals + 1), value, true);
    if (!name.empty()) fields.emplace(name, value);
    start = end + 1;
  }
  return fields;
}

std::string field(const std::map<std::string, std::string>& fields, const std::string& name) {
  const auto found = fields.find(name);
  return found == fields.end() ? "" : found->second;
}

// The browser is sent back to the client with these parameters added.
FakeReply redirect(const std::string& redirect_uri, const std::vector<std::pair<std::string, std::string>>& params) {
  Poco::URI back(redirect_uri);
  for (const auto& [name, value] : params) back.addQueryParameter(name, value);
  return FakeReply{302, "text/plain", "", {{"Location", back.toString()}}};
}

int64_t now_s() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

IdentityProvider::IdentityProvider(const std::filesystem::path& dir)
    : key_("provider-key", SigningKey::Kind::p256),
      server_(
          dir, [this](const FakeRequest& request) { return answer(request); }, server_error) {}

void IdentityProvider::register_client(PublicClient client) {
  const std::lock_guard lock(mutex_);
  client_ = std::move(client);
}

void IdentityProvider::sign_in_as(nlohmann::json user_claims) {
  const std::lock_guard lock(mutex_);
  user_ = std::move(user_claims);
}

void IdentityProvider::set_access_token(std::string audience, std::chrono::seconds lifetime) {
  const std::lock_guard lock(mutex_);
  audience_ = std::move(audience);
  lifetime_ = lifetime;
}

std::string IdentityProvider::issuer() const { return server_.url() + kRealm; }
std::string IdentityProvider::jwks_url() const { return server_.url() + kJwksPath; }
std::string IdentityProvider::authorization_endpoint() const { return server_.url() + kAuthorizePath; }
std::string IdentityProvider::token_endpoint() const { return server_.url() + kTokenPath; }

int IdentityProvider::codes_exchanged() const {
  const std::lock_guard lock(mutex_);
  return exchanged_;
}

FakeReply IdentityProvider::answer(const FakeRequest& request) {
  if (request.method == "GET" && request.path == kJwksPath) {
    return FakeReply{200, "application/json", jwk_set({&key_}).dump()};
  }
  if (request.method == "GET" && request.path == kAuthorizePath) return authorize(request);
  const std::string origin = request.header("origin");
  if (request.path == kTokenPath && request.method == "OPTIONS") return FakeReply{204, "text/plain", "", cors(origin)};
  if (request.path == kTokenPath && request.method == "POST") {
    FakeReply reply = exchange(request);
    reply.headers.merge(cors(origin));
    reply.headers.emplace("Cache-Control", "no-store");
    return reply;
  }
  return server_error(404, "not found: " + request.method + " " + request.path);
}

// RFC 6749 4.1.2.1: a request whose client or redirect URI is unknown is
// answered here, never sent to that URI; any other problem goes back to it.
FakeReply IdentityProvider::authorize(const FakeRequest& request) {
  const std::lock_guard lock(mutex_);
  const std::string redirect_uri = request.query_value("redirect_uri");
  if (request.query_value("client_id") != client_.client_id) {
    return server_error(400, "unknown client_id '" + request.query_value("client_id") + "'");
  }
  if (redirect_uri != client_.redirect_uri) {
    return server_error(400, "redirect_uri '" + redirect_uri + "' is not the client's");
  }
  const std::string state = request.query_value("state");
  const auto refuse = [&](const std::string& error, const std::string& description) {
    return redirect(redirect_uri, {{"error", error}, {"error_description", description}, {"state", state}});
  };
  if (request.query_value("response_type") != "code") {
    return refuse("unsupported_response_type", "only response_type=code is supported");
  }
  const std::string challenge = request.query_value("code_challenge");
  if (request.query_value("code_challenge_method") != "S256" ||
      !std::regex_match(challenge, std::regex("[A-Za-z0-9_-]{43}"))) {
    return refuse("invalid_request", "a public client must send a code_challenge with code_challenge_method S256");
  }
  if (!user_.contains("sub")) return refuse("access_denied", "no user signs in (IdentityProvider::sign_in_as)");
  const std::string code = random_token();
  codes_[code] = IssuedCode{client_.client_id, redirect_uri, challenge, request.query_value("scope"),
                            std::chrono::steady_clock::now() + kCodeLifetime};
  return redirect(redirect_uri, {{"code", code}, {"state", state}});
}

FakeReply IdentityProvider::exchange(const FakeRequest& request) {
  const auto fields = form_fields(request.body);
  if (field(fields, "grant_type") != "authorization_code") {
    return oauth_error(400, "unsupported_grant_type", "only grant_type=authorization_code is supported");
  }
  const std::lock_guard lock(mutex_);
  const auto found = codes_.find(field(fields, "code"));
  if (found == codes_.end()) return oauth_error(400, "invalid_grant", "the code is unknown or was used already");
  const IssuedCode code = found->second;
  codes_.erase(found);  // one use, whatever its outcome
  if (std::chrono::steady_clock::now() > code.expires) return oauth_error(400, "invalid_grant", "the code expired");
  if (field(fields, "client_id") != code.client_id) {
    return oauth_error(400, "invalid_grant", "the code was issued to another client");
  }
  if (field(fields, "redirect_uri") != code.redirect_uri) {
    return oauth_error(400, "invalid_grant", "redirect_uri is not the one the code was issued for");
  }
  const std::string verifier = field(fields, "code_verifier");
  if (!std::regex_match(verifier, std::regex("[A-Za-z0-9._~-]{43,128}"))) {
    return oauth_error(400, "invalid_request", "code_verifier must be 43 to 128 unreserved characters");
  }
  if (s256(verifier) != code.code_challenge) {
    return oauth_error(400, "invalid_grant",
                       "PKCE verification failed: the code_verifier does not match the code_challenge");
  }
  return tokens_for(code);
}

FakeReply IdentityProvider::tokens_for(const IssuedCode& code) {
  ++exchanged_;
  const int64_t now = now_s();
  nlohmann::json access = user_;
  access.update({{"iss", issuer()},
                 {"aud", audience_},
                 {"azp", code.client_id},
                 {"iat", now},
                 {"exp", now + lifetime_.count()},
                 {"scope", code.scope}});
  nlohmann::json id = user_;
  id.update({{"iss", issuer()}, {"aud", code.client_id}, {"iat", now}, {"exp", now + lifetime_.count()}});
  return FakeReply{200, "application/json",
                   nlohmann::json{{"access_token", key_.sign(access)},
                                  {"id_token", key_.sign(id)},
                                  {"token_type", "Bearer"},
                                  {"expires_in", lifetime_.count()},
                                  {"scope", code.scope}}
                       .dump()};
}

// The page's fetch reads the answer only when it names the page's origin,
// which only the client's web origin is given (Keycloak's "Web origins").
std::map<std::string, std::string> IdentityProvider::cors(const std::string& origin) const {
  const std::lock_guard lock(mutex_);
  if (origin.empty() || origin != client_.web_origin) return {{"Vary", "Origin"}};
  return {{"Access-Control-Allow-Origin", client_.web_origin},
          {"Access-Control-Allow-Methods", "POST"},
          {"Access-Control-Allow-Headers", "Content-Type"},
          {"Vary", "Origin"}};
}

}  // namespace weft::fakes
