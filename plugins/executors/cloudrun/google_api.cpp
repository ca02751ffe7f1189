#include "google_api.hpp"

#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/URI.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "remote_task.hpp"

namespace weft::cloudrun {
namespace {

using nlohmann::json;

constexpr const char* kScope = "https://www.googleapis.com/auth/cloud-platform";
constexpr std::chrono::seconds kAssertionLifetime{3600};  // the longest Google accepts

bool is_transient(int status) { return status == 401 || status == 429 || status >= 500; }

}  // namespace

GoogleApi::GoogleApi(const CloudRunConfig& config) : config_(config) {
  if (config_.credentials_file.empty()) return;
  std::ifstream in(config_.credentials_file);
  const json file = json::parse(in, nullptr, false);
  const auto field = [&](const char* name) {
    if (!file.is_object() || !file.contains(name) || !file[name].is_string() || file[name].get<std::string>().empty()) {
      throw std::invalid_argument(
          "cloudrun executor: the credentials_file " + config_.credentials_file +
          (in ? " is not a service-account key: it has no " + std::string(name) : " cannot be read"));
    }
    return file[name].get<std::string>();
  };
  key_ = ServiceAccountKey{field("client_email"), field("private_key"), file.value("private_key_id", ""),
                           field("token_uri")};
  try {
    (void)signed_assertion();
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("cloudrun executor: the private key of " + config_.credentials_file +
                                " is unusable: " + e.displayText());
  }
}

GoogleApi::~GoogleApi() = default;

HttpReply GoogleApi::send(const std::string& method, const std::string& url, const std::string& body,
                          const https::Headers& headers, const std::string& content_type) {
  const Poco::URI uri(url);
  const std::string origin = uri.getScheme() + "://" + uri.getAuthority();
  auto& session = sessions_[origin];
  if (!session) {
    session = std::make_unique<https::HttpsSession>(
        origin, https::TlsOptions{config_.ca_file, config_.insecure, config_.request_timeout});
  }
  return session->send(method, uri.getPathAndQuery(), body, headers, content_type);
}

std::string GoogleApi::signed_assertion() const {
  std::istringstream pem(key_->private_key);
  const Poco::SharedPtr<Poco::Crypto::RSAKey> rsa = new Poco::Crypto::RSAKey(nullptr, &pem);
  Poco::JWT::Token jwt;
  jwt.setType("JWT");
  if (!key_->private_key_id.empty()) jwt.header().set("kid", key_->private_key_id);
  const Poco::Timestamp now;
  jwt.setIssuer(key_->client_email);
  jwt.setAudience(key_->token_uri);
  jwt.setIssuedAt(now);
  jwt.setExpiration(now + std::chrono::duration_cast<std::chrono::microseconds>(kAssertionLifetime).count());
  jwt.payload().set("scope", std::string(kScope));
  Poco::JWT::Signer signer(rsa);
  return signer.sign(jwt, Poco::JWT::Signer::ALGO_RS256);
}

void GoogleApi::fetch_token() {
  HttpReply reply;
  std::string source;
  if (key_) {
    source = "the token URI " + key_->token_uri;
    std::string assertion;
    try {
      assertion = signed_assertion();
    } catch (const Poco::Exception& e) {
      throw TransientError("cannot sign the token request: " + e.displayText());
    }
    const std::string form = "grant_type=" + remote::url_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                             "&assertion=" + remote::url_encode(assertion);
    reply = send("POST", key_->token_uri, form, {}, "application/x-www-form-urlencoded");
  } else {
    source = "the metadata server " + config_.metadata_server;
    reply = send("GET", config_.metadata_server + "/computeMetadata/v1/instance/service-accounts/default/token", "",
                 {{"Metadata-Flavor", "Google"}});
  }
  const json body = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || !body.is_object() || !body.contains("access_token") || !body["access_token"].is_string() ||
      !body.contains("expires_in") || !body["expires_in"].is_number()) {
    throw TransientError("no access token from " + source + ": HTTP " + std::to_string(reply.status) + ": " +
                         reply.body.substr(0, 300));
  }
  token_ = body["access_token"].get<std::string>();
  const auto lifetime = std::chrono::milliseconds(static_cast<int64_t>(body["expires_in"].get<double>() * 1000));
  // Renewed ahead of its end, so that no request carries a token that dies on the way.
  renew_at_ = Clock::now() + lifetime - std::min(config_.token_refresh_margin, lifetime / 2);
}

const std::string& GoogleApi::token() {
  if (token_.empty() || Clock::now() >= renew_at_) fetch_token();
  return token_;
}

HttpReply GoogleApi::request(const std::string& method, const std::string& url, const std::string& body) {
  HttpReply reply = send(method, url, body, {{"Authorization", "Bearer " + token()}});
  if (reply.status == 401) {
    // Revoked, or ended sooner than it said: a fresh one, once.
    token_.clear();
    reply = send(method, url, body, {{"Authorization", "Bearer " + token()}});
  }
  if (is_transient(reply.status)) throw TransientError(method + " " + url + ": " + describe_error(reply));
  return reply;
}

std::string describe_error(const HttpReply& reply) {
  const auto body = json::parse(reply.body, nullptr, false);
  std::string text = "HTTP " + std::to_string(reply.status);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json& error = body["error"];
    if (error.contains("status") && error["status"].is_string()) text += " " + error["status"].get<std::string>();
    if (error.contains("message") && error["message"].is_string()) text += ": " + error["message"].get<std::string>();
    return text;
  }
  return reply.body.empty() ? text : text + ": " + reply.body.substr(0, 500);
}

}  // namespace weft::cloudrun
