#include "api_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "arguments.hpp"

namespace weft::cli {
namespace {

using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

const Poco::Timespan kConnectTimeout(10, 0);
const Poco::Timespan kRequestTimeout(60, 0);
const Poco::Timespan kNoTimeout(0, 0);

nlohmann::json parse_body(const std::string& text) {
  if (text.empty()) return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  return body.is_discarded() ? nlohmann::json(text) : body;
}

std::string error_message(const ApiResponse& response) {
  const auto& body = response.body;
  if (body.is_object() && body.contains("error") && body["error"].is_object() &&
      !body["error"].value("message", "").empty()) {
    return body["error"]["message"].get<std::string>();
  }
  return "HTTP " + std::to_string(response.status) + " " +
         HTTPResponse::getReasonForStatus(static_cast<HTTPResponse::HTTPStatus>(response.status));
}

Poco::URI server_uri(const std::string& server) {
  try {
    Poco::URI uri(server);
    if (uri.getScheme() == "http" && !uri.getHost().empty()) return uri;
  } catch (const Poco::Exception&) {
  }
  throw UsageError("--server takes http://HOST[:PORT], not '" + server + "'");
}

}  // namespace

ApiError::ApiError(ApiResponse response)
    : std::runtime_error(error_message(response)), response_(std::move(response)) {}

ApiClient::ApiClient(const std::string& server, std::optional<std::string> token) : token_(std::move(token)) {
  const Poco::URI uri = server_uri(server);
  server_ = server;
  base_path_ = uri.getPath();
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  session_ = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  session_->setKeepAlive(true);
  session_->setTimeout(kConnectTimeout, kRequestTimeout, kRequestTimeout);
}

ApiClient::~ApiClient() = default;

ApiResponse ApiClient::get(const std::string& target) { return send(HTTPRequest::HTTP_GET, target, nullptr); }

ApiResponse ApiClient::post(const std::string& target, const nlohmann::json& body) {
  return send(HTTPRequest::HTTP_POST, target, &body);
}

std::istream& ApiClient::begin(const std::string& method, const std::string& target, const nlohmann::json* body,
                               HTTPResponse& response) {
  HTTPRequest request(method, base_path_ + target, HTTPRequest::HTTP_1_1);
  request.set("Accept", "application/json");
  if (token_) request.set("Authorization", "Bearer " + *token_);
  const std::string payload = body ? body->dump() : "";
  if (body) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(payload.size()));
  }
  try {
    session_->sendRequest(request) << payload;
    return session_->receiveResponse(response);
  } catch (const Poco::Exception& error) {
    throw CommandError("cannot reach weftd at " + server_ + ": " + error.displayText());
  }
}

ApiResponse ApiClient::send(const std::string& method, const std::string& target, const nlohmann::json* body) {
  HTTPResponse response;
  std::istream& in = begin(method, target, body, response);
  std::string text;
  try {
    Poco::StreamCopier::copyToString(in, text);
  } catch (const Poco::Exception& error) {
    throw CommandError("cannot reach weftd at " + server_ + ": " + error.displayText());
  }
  ApiResponse result{static_cast<int>(response.getStatus()), parse_body(text)};
  if (result.status / 100 != 2) throw ApiError(std::move(result));
  return result;
}

void ApiClient::stream(const std::string& target, std::ostream& out) {
  session_->setTimeout(kConnectTimeout, kRequestTimeout, kNoTimeout);  // a followed log may be quiet for long
  HTTPResponse response;
  std::istream& in = begin(HTTPRequest::HTTP_GET, target, nullptr, response);
  if (response.getStatus() / 100 != 2) {
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    throw ApiError({static_cast<int>(response.getStatus()), parse_body(text)});
  }
  try {
    for (std::string line; std::getline(in, line);) {
      out << line << (in.eof() ? "" : "\n") << std::flush;
    }
  } catch (const Poco::Exception& error) {
    throw CommandError("lost weftd at " + server_ + ": " + error.displayText());
  }
}

std::string path_segment(std::string_view segment) {
  std::string encoded;
  Poco::URI::encode(std::string(segment), "/?#%&=+ ", encoded);
  return encoded;
}

std::string query(const std::vector<std::pair<std::string, std::optional<std::string>>>& pairs) {
  std::string text;
  for (const auto& [key, value] : pairs) {
    if (!value) continue;
    text += (text.empty() ? "?" : "&") + key + "=" + path_segment(*value);
  }
  return text;
}

}  // namespace weft::cli
