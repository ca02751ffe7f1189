// The C++ client of weftd's HTTP API (docs/api.md): the `weft` CLI, the
// end-to-end tests and the benchmark all talk to weftd through it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace Poco::Net {
class HTTPClientSession;
class HTTPResponse;
}  // namespace Poco::Net

namespace weft::client {

// weftd could not be reached, the connection broke off, or an answer that
// should be JSON was not.
class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An answer of weftd, as it came.
struct Response {
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  bool ok() const { return status / 100 == 2; }
  // The value of the header `name` (in any case), "" when there is none.
  std::string header(std::string_view name) const;
  // The body parsed: an empty object for an empty body; throws ClientError,
  // quoting the body, when it is not JSON.
  nlohmann::json json() const;
  // This answer when ok(); throws ApiError otherwise.
  Response checked() &&;
};

// A non-2xx answer. what() is the message of the API's error body
// ({"error": {"message": ...}}), or "HTTP 404 Not Found" when it has none.
class ApiError : public std::runtime_error {
 public:
  explicit ApiError(Response response);
  const Response& response() const { return response_; }
  // The error's details ([{"path", "message"}]); empty when it has none.
  nlohmann::json details() const;

 private:
  Response response_;
};

using Headers = std::map<std::string, std::string>;

// One event of a text/event-stream: weftd's live events (docs/api.md, "Events").
struct ServerEvent {
  std::string id;  // "" when the event has none
  std::string type = "message";
  std::string data;
};

// Turns the lines of a text/event-stream into events, by the rules of the
// Server-Sent Events standard (data lines joined, comments and unknown fields
// ignored, a blank line ends an event).
class ServerEventParser {
 public:
  // One line without its end of line ("\r" left at its end is dropped); an
  // event when the line ends one.
  std::optional<ServerEvent> line(std::string_view text);

 private:
  ServerEvent event_;
  bool has_data_ = false;
};

// A client of one weftd. Its requests may run on several threads at once:
// one connection is kept alive between requests, and a request that finds it
// in use opens one of its own.
class ApiClient {
 public:
  static constexpr std::chrono::seconds kDefaultTimeout{60};

  // `server` is "http://HOST[:PORT]" or "https://HOST[:PORT]", with a path
  // prefix when weftd is behind a proxy; anything else throws
  // std::invalid_argument. Requests carry `token` as a bearer token unless it
  // is empty. `timeout` bounds the sending of a request and each wait for its
  // answer. Over https, weftd's certificate must be signed by a CA in
  // `ca_file` (PEM), or by one the system trusts when it is empty, and name
  // the host. `peer` names the server in errors: weftd unless the client
  // talks to something else (a policy engine, an identity provider).
  explicit ApiClient(const std::string& server, std::string token = "", std::chrono::seconds timeout = kDefaultTimeout,
                     std::string ca_file = "", std::string peer = "weftd");
  // weftd on 127.0.0.1:`port`.
  ApiClient(uint16_t port, std::string token, std::chrono::seconds timeout = kDefaultTimeout);
  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;
  ~ApiClient();

  // Every status comes back as a Response; each throws ClientError ("cannot
  // reach PEER at URL: reason") when the server cannot be reached.
  Response get(const std::string& target) const { return send("GET", target); }
  Response del(const std::string& target) const { return send("DELETE", target); }
  Response post(const std::string& target, const nlohmann::json& body = nlohmann::json::object()) const {
    return send("POST", target, body.dump());
  }
  Response put(const std::string& target, const nlohmann::json& body) const { return send("PUT", target, body.dump()); }
  // Any method and a raw body (application/json unless `headers` say
  // otherwise), with `headers` added: for requests the others do not make.
  Response send(const std::string& method, const std::string& target, const std::string& body = "",
                const Headers& headers = {}) const;

  // Copies a text/plain body to `out` as it arrives, with no timeout while
  // waiting for more (a followed log may be quiet for long). Throws ApiError
  // for a non-2xx answer, ClientError when the connection fails.
  void stream(const std::string& target, std::ostream& out) const;
  // Reads the Server-Sent Events of target as they come, until the stream
  // ends or on_event returns false; sends last_event_id (if not empty) to
  // resume after it. Gives up on a connection silent for twice weftd's
  // keep-alive interval. Throws as stream() does.
  void events(const std::string& target, const std::string& last_event_id,
              const std::function<bool(const ServerEvent&)>& on_event) const;

  ApiClient without_token() const;
  const std::string& server() const { return server_.url; }
  bool has_token() const { return !server_.token.empty(); }

 private:
  struct Server {
    std::string url;
    std::string host;
    uint16_t port = 0;
    std::string base_path;  // a path prefix of the URL, for weftd behind a proxy
    std::string token;
    std::chrono::seconds timeout;
    bool https = false;
    std::string ca_file;         // https: the CAs trusted, "" for the system's
    std::string peer = "weftd";  // what errors call the server
  };
  struct Connections;
  using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;

  explicit ApiClient(Server server);
  Session take_session() const;
  void keep_session(Session session) const;
  // Sends the request; the returned stream (owned by the session) reads the body.
  std::istream& begin(Poco::Net::HTTPClientSession& session, const std::string& method, const std::string& target,
                      const std::string& body, const Headers& headers, Poco::Net::HTTPResponse& head) const;

  Server server_;
  std::unique_ptr<Connections> connections_;
};

// `segment` percent-encoded for use as one path segment.
std::string path_segment(std::string_view segment);

// "?a=1&b=2" of the pairs whose value is set ("" when none), values percent-encoded.
std::string query(const std::vector<std::pair<std::string, std::optional<std::string>>>& pairs);

}  // namespace weft::client
