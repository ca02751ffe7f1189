// Sends one request of an http node with Poco, blocking: on a worker of the
// plugin's pool, never on weftd's event loop. The Connection lets another
// thread (cancel, the timeout watcher) stop it at any step: connect, TLS
// handshake, send or receive.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include "http_params.hpp"

namespace weft::nodes::http {

class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Any thread: stops the request under way, and any that would start.
  void abort();

  // For send_request: the socket the request uses, or none.
  void attach(int socket_fd);
  void detach();

 private:
  std::mutex mutex_;
  // A duplicate of the request's socket, owned here: shutting it down stops
  // the request, and as it is our own descriptor, it cannot be closed and
  // reused for another file under us while we do.
  int fd_ = -1;
  bool aborted_ = false;
};

struct HttpReply {
  int status = 0;
  Headers headers;  // as received, names as the server spelled them
  std::string body;
  std::string content_type;
};

struct CallSettings {
  std::size_t max_response_bytes = 0;
  std::string ca_file;  // the plugin's: for a node without its own; empty: the system's CAs
};

// Throws std::runtime_error saying what failed: the address, the connection,
// TLS verification, a response larger than max_response_bytes, an abort.
HttpReply send_request(const HttpRequest& request, const Headers& filled_secret_headers, const CallSettings& settings,
                       Connection& connection);

}  // namespace weft::nodes::http
