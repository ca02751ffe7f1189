#include "api/request_head.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>

#include <cctype>
#include <sstream>

namespace weft::daemon {

size_t head_size(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[pos]))) ++pos;
  if (pos == bytes.size()) return 0;
  // The request line, then header lines up to one that starts with CR or LF.
  size_t line_end = bytes.find('\n', pos);
  while (line_end != std::string_view::npos) {
    const size_t line = line_end + 1;
    if (line >= bytes.size()) return 0;
    if (bytes[line] == '\n') return line + 1;
    line_end = bytes.find('\n', line);
    if (bytes[line] == '\r') return line_end == std::string_view::npos ? 0 : line_end + 1;
  }
  return 0;
}

std::optional<RequestHead> parse_head(std::string_view bytes, size_t size, std::string* error) {
  try {
    std::istringstream in{std::string(bytes.substr(0, size))};
    Poco::Net::HTTPRequest request;
    request.read(in);
    RequestHead head;
    head.size = size;
    head.method = request.getMethod();
    head.target = request.getURI();
    head.version = request.getVersion();
    if (request.hasContentLength()) {
      const auto length = request.getContentLength64();
      if (length < 0) throw Poco::SyntaxException("a negative Content-Length");
      head.content_length = static_cast<uint64_t>(length);
    }
    head.chunked = request.getChunkedTransferEncoding();
    head.expects_continue = request.getExpectContinue();
    head.keep_alive = request.getKeepAlive();
    return head;
  } catch (const Poco::Exception& e) {
    *error = e.displayText();
    return std::nullopt;
  }
}

}  // namespace weft::daemon
