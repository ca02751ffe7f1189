// A request as the endpoints see it and the reply they give, free of Poco so
// that the endpoints do not depend on how the bytes travel.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace weft::daemon {

struct ApiRequest {
  std::string method;
  std::vector<std::string> captures;         // the {…} segments of the matched route, decoded
  std::map<std::string, std::string> query;  // decoded; the last of repeated names wins
  std::string body;                          // at most max_body_bytes
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is sent with chunked transfer encoding by this
  // function, on the request's thread; it returns when it is done or when out fails.
  std::function<void(std::ostream& out)> stream;
};

inline ApiReply json_reply(int status, const nlohmann::json& body) {
  ApiReply reply;
  reply.status = status;
  reply.body = body.dump() + "\n";
  return reply;
}

}  // namespace weft::daemon
