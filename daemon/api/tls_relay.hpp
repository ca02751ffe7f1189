// HTTPS for the API. A connection accepted on a TLS port is handshaken here
// and then relayed, decrypted, to Connections through a socket pair, so that
// everything past the bytes on the wire (limits, peeking at request heads,
// request threads, streamed replies) is one code for http and https.
// OpenSSL is used directly, not through Poco's secure sockets, because the
// relay must run non-blocking on the API's event loop.
#pragma once

#include "api/event_loop.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

struct ssl_ctx_st;

namespace weft::daemon {

// The files of api.tls.
struct TlsFiles {
  std::filesystem::path certificate;  // PEM, the server's certificate followed by its chain
  std::filesystem::path private_key;  // PEM
  bool operator==(const TlsFiles&) const = default;
};

// A server certificate and key, TLS 1.2 and later only. Immutable: a reload
// makes a new one, and connections keep the one they began with.
class TlsContext {
 public:
  // Throws std::runtime_error naming the file and what is wrong with it.
  static std::shared_ptr<const TlsContext> load(const TlsFiles& files);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* get() const { return context_; }
  const std::string& summary() const { return summary_; }  // subject and expiry, for the log

 private:
  TlsContext(ssl_ctx_st* context, std::string summary);
  ssl_ctx_st* context_;
  std::string summary_;
};

class TlsRelay {
 public:
  // Loop thread: a decrypted connection for Connections, by its plain end.
  using Deliver = std::function<void(int plain_fd, const std::string& client)>;

  TlsRelay(EventLoop& loop, std::shared_ptr<const TlsContext> context, Deliver deliver,
           std::chrono::milliseconds handshake_timeout, size_t max_connections);
  ~TlsRelay();
  TlsRelay(const TlsRelay&) = delete;
  TlsRelay& operator=(const TlsRelay&) = delete;

  // Loop thread: takes an accepted, non-blocking socket.
  void accept(int fd, const std::string& client);
  // Any thread: connections accepted from now on use `context`.
  void set_context(std::shared_ptr<const TlsContext> context);
  // Loop thread.
  void close_all();

 private:
  struct Link;

  void on_tls_event(uint64_t id, uint32_t events);
  void on_plain_event(uint64_t id, uint32_t events);
  void end_plain(Link& link);
  void handshake(Link& link);
  void pump(Link& link);
  void watch(Link& link);
  void close(Link& link);
  Link* find(uint64_t id);

  EventLoop& loop_;
  std::shared_ptr<const TlsContext> context_;  // loop thread
  Deliver deliver_;
  const std::chrono::milliseconds handshake_timeout_;
  const size_t max_connections_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Link>> links_;
  EventLoop::Clock::time_point last_failure_log_{};
};

}  // namespace weft::daemon
