#include "http_api.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace weft::bench {

ApiResponse HttpApi::get(const std::string& path) const { return send("GET", path, ""); }

ApiResponse HttpApi::post(const std::string& path, const nlohmann::json& body) const {
  return send("POST", path, body.dump());
}

ApiResponse HttpApi::send(const std::string& method, const std::string& path, const std::string& body) const {
  Poco::Net::HTTPClientSession session("127.0.0.1", port_);
  session.setTimeout(Poco::Timespan(120, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token_.empty()) request.set("Authorization", "Bearer " + token_);
  if (method == "POST") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return {static_cast<int>(response.getStatus()), parsed.is_discarded() ? nlohmann::json() : std::move(parsed)};
}

}  // namespace weft::bench
