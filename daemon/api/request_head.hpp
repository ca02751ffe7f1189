// Request heads as the API's connection loop sees them: peeked at in the
// socket's buffer, not read, so that the request thread's Poco session reads
// the very same bytes once the loop hands the connection over. The loop only
// hands it over once the whole head has arrived, which is what keeps a slow
// client from holding a request thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::daemon {

struct RequestHead {
  size_t size = 0;  // bytes, from the start of the connection's input to the end of the blank line
  std::string method;
  std::string target;
  std::string version;  // "HTTP/1.1", "HTTP/1.0"
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool expects_continue = false;
  bool keep_alive = true;

  bool has_body() const { return chunked || content_length.value_or(0) > 0; }
};

// The size of the head at the start of `bytes` once its blank line has
// arrived, else 0. Ends where Poco's HTTPRequest::read stops reading: blank
// lines before the request line are skipped, and a header block ends at a
// line that starts with CR or LF.
size_t head_size(std::string_view bytes);

// The head `bytes[0, size)` parsed by Poco. nullopt when Poco refuses it, with
// why in *error.
std::optional<RequestHead> parse_head(std::string_view bytes, size_t size, std::string* error);

}  // namespace weft::daemon
