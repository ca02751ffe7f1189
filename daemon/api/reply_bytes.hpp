// How a reply is put on the wire: Poco writes the head, the API's connection
// loop sends the bytes (so that no request thread waits for a slow reader).
#pragma once

#include "api/api_error.hpp"
#include "api/exchange.hpp"

#include <string>

namespace weft::daemon {

// What happens to a connection after its reply.
struct Disposition {
  bool keep_alive = true;  // it serves the client's next request
  bool linger = false;     // part of the request was not read: close it, reading what still comes for a moment
};

// The head of `reply` for a request of HTTP `version`, and unless the reply
// streams, its body. A streamed body is chunked for HTTP/1.1; for HTTP/1.0 it
// runs to the end of the connection.
std::string reply_bytes(const ApiReply& reply, const std::string& version, bool keep_alive);

ApiReply error_reply(const ApiError& error);

// 503 unavailable, "weftd is busy: <why>".
ApiReply busy_reply(const std::string& why);

// The framing of one chunk of a chunked body, and of its end.
std::string chunk(std::string_view bytes);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace weft::daemon
