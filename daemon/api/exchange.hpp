// A request as the endpoints see it and the reply they give, free of Poco so
// that the endpoints do not depend on how the bytes travel.
#pragma once

#include "auth/role.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::daemon {

struct ApiRequest {
  std::string method;
  std::vector<std::string> captures;         // the {…} segments of the matched route, decoded
  std::map<std::string, std::string> query;  // decoded; the last of repeated names wins
  std::string body;                          // at most max_body_bytes
  std::string last_event_id;                 // the Last-Event-ID header: where an event stream resumes
  std::string authorization{};               // the Authorization header, passed on with a forwarded request
  std::string forwarded_by{};                // the instance that forwarded this request (X-Weft-Forwarded-By)
  std::optional<Caller> caller{};            // whose token it carried; none without auth (or a token)
  std::string prefer{};                      // the Prefer header (RFC 7240)
  std::string base_url{};                    // scheme://host as the client addressed weftd, for absolute links
};

// Where a streamed reply body goes. The API's connection loop owns it and
// sends it without blocking; it is used on that loop's thread only.
class StreamOutput {
 public:
  // How many more bytes may be written before the client has read some:
  // a stream that finds no room waits for ReplyStream::resume().
  virtual size_t room() const = 0;
  virtual void write(std::string_view bytes) = 0;
  // The body is complete; nothing may be written after.
  virtual void end() = 0;

 protected:
  ~StreamOutput() = default;
};

// A reply body that is sent as it becomes available (a followed log; event
// streams), driven by the API's connection loop instead of holding a request
// thread: no method may block.
class ReplyStream {
 public:
  virtual ~ReplyStream() = default;
  // The head is on its way: start writing to out, which stays valid until close().
  virtual void open(StreamOutput& out) = 0;
  // out has room again.
  virtual void resume() = 0;
  // The connection is going away (the client left, weftd stops, or the
  // stream ended): release what the stream holds and never touch out again.
  virtual void close() = 0;
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this stream (sent chunked), and `body` is unused.
  std::shared_ptr<ReplyStream> stream;
};

// Invalid UTF-8 in a string (echoed from a request, or read from a task's
// output) is replaced by U+FFFD rather than thrown on: a reply must always go out.
inline ApiReply json_reply(int status, const nlohmann::json& body) {
  ApiReply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return reply;
}

}  // namespace weft::daemon
