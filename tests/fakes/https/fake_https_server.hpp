// An HTTPS server for fakes of remote APIs (Argo Workflows, Cloud Run) and
// for the http node type's tests: TLS with a certificate made for it (or
// plain HTTP), bearer-token checks, and injected faults, in front of a
// handler that plays the API itself.
//
// The certificate is self-signed for localhost and 127.0.0.1, made by the
// openssl command in the server's directory; clients trust it through
// ca_file(). Every request is answered on one of Poco's server threads; the
// handler must be thread-safe.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace weft::fakes {

// A new key and a self-signed certificate for it, valid for a day, for
// localhost and 127.0.0.1 (the openssl command). Throws std::runtime_error.
void make_certificate(const std::filesystem::path& key, const std::filesystem::path& cert);

struct FakeRequest {
  std::string method;
  std::string path;                               // decoded, without the query
  std::multimap<std::string, std::string> query;  // decoded
  std::string body;
  std::string accept;
  std::map<std::string, std::string> headers;  // by lowercase name

  // The first value of a query parameter; "" when absent.
  std::string query_value(const std::string& name) const;
  // A header's value; "" when absent. name in lowercase.
  std::string header(const std::string& name) const;
};

struct FakeReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers = {};  // more response headers
  // Set for a reply that streams (chunked, after body): called again and
  // again for the next chunk, which it may wait for, until it returns false.
  std::function<bool(std::string& chunk)> next_chunk = nullptr;
};

class FakeHttpsServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;
  // Makes the error reply of the API for a status and a message (each API
  // words its errors its own way).
  using ErrorReply = std::function<FakeReply(int status, const std::string& message)>;

  // Makes a key and certificate in dir (which must exist), then listens on
  // 127.0.0.1 on a free port. Throws std::runtime_error if it cannot.
  FakeHttpsServer(const std::filesystem::path& dir, Handler handler, ErrorReply error_reply);
  // The same over plain HTTP, for clients that speak both (the http node type).
  FakeHttpsServer(Handler handler, ErrorReply error_reply);
  ~FakeHttpsServer();
  FakeHttpsServer(const FakeHttpsServer&) = delete;
  FakeHttpsServer& operator=(const FakeHttpsServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const;  // https://localhost:<port>, or http://127.0.0.1:<port> over plain HTTP
  const std::filesystem::path& ca_file() const { return cert_file_; }  // empty over plain HTTP

  // Requests must carry "Authorization: Bearer <token>" from now on; a
  // request without it, or with another token, is answered 401. Empty: no check.
  void require_token(const std::string& token);
  // The next `count` requests are answered `status` (429, 503, ...) without
  // reaching the handler, as an overloaded server answers.
  void fail_next(int count, int status);
  // Requests answered so far, faults and refusals included.
  uint64_t requests() const { return requests_; }

  // Used by the request handlers; not part of the interface for tests.
  FakeReply answer(const FakeRequest& request, const std::string& authorization);

 private:
  Handler handler_;
  ErrorReply error_reply_;
  std::filesystem::path cert_file_;
  std::filesystem::path key_file_;
  uint16_t port_ = 0;
  bool tls_ = true;
  // The server's own threads, ended with it: OpenSSL frees a thread's state
  // only when the thread ends.
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;

  void serve(const Poco::Net::ServerSocket& socket);

  std::mutex mutex_;
  std::string token_;
  int faults_left_ = 0;
  int fault_status_ = 0;
  std::atomic<uint64_t> requests_{0};
};

}  // namespace weft::fakes
