#include "api/reply_bytes.hpp"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timestamp.h>

#include <cstdio>
#include <sstream>

namespace weft::daemon {

std::string reply_bytes(const ApiReply& reply, const std::string& version, bool keep_alive) {
  Poco::Net::HTTPResponse head;
  head.setVersion(version == Poco::Net::HTTPMessage::HTTP_1_0 ? version : Poco::Net::HTTPMessage::HTTP_1_1);
  head.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  head.setDate(Poco::Timestamp());
  head.setContentType(reply.content_type);
  for (const auto& [name, value] : reply.headers) head.set(name, value);
  const bool http10 = head.getVersion() == Poco::Net::HTTPMessage::HTTP_1_0;
  if (reply.stream) {
    if (http10)
      keep_alive = false;  // the body ends with the connection
    else
      head.setChunkedTransferEncoding(true);
  } else {
    head.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
  }
  head.setKeepAlive(keep_alive);
  std::ostringstream out;
  head.write(out);
  if (!reply.stream) out << reply.body;
  return std::move(out).str();
}

ApiReply error_reply(const ApiError& error) {
  auto reply = json_reply(error.status, error_body(error));
  reply.headers = error.headers;
  return reply;
}

ApiReply busy_reply(const std::string& why) {
  return error_reply(ApiError(fail(ErrorCode::unavailable, "weftd is busy: " + why)));
}

std::string chunk(std::string_view bytes) {
  char size[24];
  const int length = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  std::string framed;
  framed.reserve(static_cast<size_t>(length) + bytes.size() + 2);
  framed.append(size, static_cast<size_t>(length)).append(bytes).append("\r\n");
  return framed;
}

}  // namespace weft::daemon
