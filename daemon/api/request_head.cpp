#include "api/request_head.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>

#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace weft::daemon {

namespace {

// Where the body ends must be read the same way by weftd and by any proxy in
// front of it, or a second request can hide in the first one's body (request
// smuggling): so anything two readers could take differently is refused,
// as RFC 9112 (6.1, 6.3) allows.
void check_framing(const Poco::Net::HTTPRequest& request) {
  size_t lengths = 0;
  size_t encodings = 0;
  for (const auto& [name, value] : request) {
    if (Poco::icompare(name, Poco::Net::HTTPMessage::CONTENT_LENGTH) == 0) {
      ++lengths;
      const std::string digits = Poco::trim(value);
      if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw Poco::SyntaxException("Content-Length must be digits only, not '" + value + "'");
    } else if (Poco::icompare(name, Poco::Net::HTTPMessage::TRANSFER_ENCODING) == 0) {
      ++encodings;
      if (Poco::icompare(Poco::trim(value), Poco::Net::HTTPMessage::CHUNKED_TRANSFER_ENCODING) != 0)
        throw Poco::SyntaxException("Transfer-Encoding '" + value + "' is not supported; only 'chunked' is");
    }
  }
  if (lengths > 1) throw Poco::SyntaxException("Content-Length is given " + std::to_string(lengths) + " times");
  if (encodings > 1) throw Poco::SyntaxException("Transfer-Encoding is given " + std::to_string(encodings) + " times");
  if (lengths > 0 && encodings > 0)
    throw Poco::SyntaxException("both Content-Length and Transfer-Encoding are given; send one");
  if (encodings > 0 && request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_0)
    throw Poco::SyntaxException("Transfer-Encoding is not part of HTTP/1.0");
}

}  // namespace

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
    check_framing(request);
    RequestHead head;
    head.size = size;
    head.method = request.getMethod();
    head.target = request.getURI();
    head.version = request.getVersion();
    if (request.hasContentLength()) {
      head.content_length = static_cast<uint64_t>(request.getContentLength64());
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
