// Requests to argo-server over HTTPS (Poco NetSSL), with the bearer token
// read from a file: re-read when the file changes, as projected
// service-account tokens rotate, and once more when the server answers 401.
//
// Blocking: used only on the executor's worker thread, never on weftd's
// event loop. Not thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "argo_config.hpp"
#include "https_session.hpp"

namespace weft::argo {

using https::HttpReply;
// Thrown also when argo-server answers 429, 5xx, or 401 with the newest token.
using https::TransientError;

class ArgoHttp {
 public:
  explicit ArgoHttp(const ArgoConfig& config);
  ~ArgoHttp();
  ArgoHttp(const ArgoHttp&) = delete;
  ArgoHttp& operator=(const ArgoHttp&) = delete;

  // method and path_and_query as sent ("/api/v1/workflows/ns?..."); body is
  // JSON text or empty. Returns any reply that is final (2xx and the 4xx
  // other than 401 and 429); throws TransientError for the others.
  HttpReply request(const std::string& method, const std::string& path_and_query, const std::string& body = "");
  // A GET whose reply streams: on_line is called for each line of a 200
  // reply as it arrives, until the server ends it. Returns the status (and,
  // for one that is not 200, the body); throws TransientError as request does.
  HttpReply stream(const std::string& path_and_query, const std::function<void(const std::string&)>& on_line);
  // Any thread: ends a stream (or request) under way, which then throws.
  void abort();

 private:
  HttpReply send_once(const std::string& method, const std::string& path_and_query, const std::string& body);
  https::Headers auth_headers() const;
  void refresh_token(bool force);

  ArgoConfig config_;
  https::HttpsSession session_;
  std::string token_;
  std::filesystem::file_time_type token_mtime_{};
};

// What an error reply of argo-server says ({"code":..,"message":..}), for a
// task's error text: "HTTP 404: workflows... not found".
std::string describe_error(const HttpReply& reply);

}  // namespace weft::argo
