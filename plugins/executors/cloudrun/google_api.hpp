// Requests to Google APIs (Cloud Run Admin, Cloud Logging) over HTTPS, with
// an OAuth 2 access token from the metadata server or from a
// service-account key file (an RS256-signed JWT, signed with Poco::JWT,
// exchanged at the key's token URI), renewed before it expires and once
// more when an API answers 401.
//
// Blocking: used only on the executor's worker thread, never on weftd's
// event loop. Not thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cloudrun_config.hpp"
#include "https_session.hpp"

namespace weft::cloudrun {

using https::HttpReply;
// Thrown also when an API answers 429, 5xx, or 401 with a fresh token, and
// when no token can be had: these may pass.
using https::TransientError;

class GoogleApi {
 public:
  // Reads the key file, if configured; throws std::invalid_argument if it is unusable.
  explicit GoogleApi(const CloudRunConfig& config);
  ~GoogleApi();
  GoogleApi(const GoogleApi&) = delete;
  GoogleApi& operator=(const GoogleApi&) = delete;

  // url: an endpoint's URL and the path (and query). Returns any reply that
  // is final (2xx and the 4xx other than 401 and 429); throws
  // TransientError for the others.
  HttpReply request(const std::string& method, const std::string& url, const std::string& body = "");

 private:
  using Clock = std::chrono::steady_clock;
  struct ServiceAccountKey {
    std::string client_email;
    std::string private_key;  // PEM
    std::string private_key_id;
    std::string token_uri;
  };
  HttpReply send(const std::string& method, const std::string& url, const std::string& body,
                 const https::Headers& headers, const std::string& content_type = "application/json");
  const std::string& token();
  void fetch_token();
  std::string signed_assertion() const;

  CloudRunConfig config_;
  std::optional<ServiceAccountKey> key_;
  std::map<std::string, std::unique_ptr<https::HttpsSession>> sessions_;  // by scheme://host:port
  std::string token_;
  Clock::time_point renew_at_{};
};

// What an error reply of a Google API says ({"error":{"code","message","status"}}),
// for a task's error text: "HTTP 403 PERMISSION_DENIED: Permission denied on ...".
std::string describe_error(const HttpReply& reply);

}  // namespace weft::cloudrun
