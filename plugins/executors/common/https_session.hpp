// One keep-alive HTTP(S) connection to one server, for executors that drive
// a remote engine's REST API (argo, cloudrun): TLS with a CA file or the
// system's CAs, verification skipped only when asked for, a timeout for
// each request, and network failures turned into TransientError.
//
// Blocking: used only on an executor's worker thread, never on weftd's
// event loop. Not thread-safe.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace weft::https {

struct HttpReply {
  int status = 0;
  std::string body;
};

// The request may succeed if tried again later: the network failed, or the
// server answered with a status that passes (429, 5xx, ...).
class TransientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TlsOptions {
  std::string ca_file;  // empty: the system's CAs
  bool insecure = false;
  std::chrono::milliseconds timeout{30000};
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpsSession {
 public:
  // url: scheme, host and port ("https://host:port"); any path is ignored.
  HttpsSession(const std::string& url, const TlsOptions& options);
  ~HttpsSession();
  HttpsSession(const HttpsSession&) = delete;
  HttpsSession& operator=(const HttpsSession&) = delete;

  // Sends one request (body empty: none) and returns the reply, whatever its
  // status. Throws TransientError if the network fails.
  HttpReply send(const std::string& method, const std::string& path_and_query, const std::string& body,
                 const Headers& headers, const std::string& content_type = "application/json");
  // A GET whose reply streams: on_line is called for each line of a 200
  // reply as it arrives, until the server ends it. Returns the status (and,
  // for one that is not 200, the body). Throws TransientError if the network
  // fails or the stream breaks off; the connection is not reused after.
  HttpReply stream(const std::string& path_and_query, const Headers& headers,
                   const std::function<void(const std::string&)>& on_line);
  // Any thread: ends a request or stream under way, which then throws.
  void abort();

 private:
  std::string url_;
  Poco::Net::Context::Ptr context_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace weft::https
