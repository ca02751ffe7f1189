#include "weft/client/api_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <mutex>

namespace weft::client {
namespace {

using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

const Poco::Timespan kConnectTimeout(10, 0);
const Poco::Timespan kNoTimeout(0, 0);
// weftd writes to an idle event stream every 15 s: silence twice that long is a lost connection.
const Poco::Timespan kEventSilence(30, 0);
constexpr size_t kQuotedBodyLength = 1000;

Poco::Timespan timespan(std::chrono::seconds seconds) { return Poco::Timespan(seconds.count(), 0); }

Response response_of(const HTTPResponse& head, std::string body) {
  Response response{static_cast<int>(head.getStatus()), head.getContentType(), std::move(body), {}};
  for (const auto& [name, value] : head) response.headers.emplace_back(name, value);
  return response;
}

std::string error_message(const Response& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("message") &&
      body["error"]["message"].is_string() && !body["error"]["message"].get<std::string>().empty()) {
    return body["error"]["message"].get<std::string>();
  }
  return "HTTP " + std::to_string(response.status) + " " +
         HTTPResponse::getReasonForStatus(static_cast<HTTPResponse::HTTPStatus>(response.status));
}

}  // namespace

std::string Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (Poco::icompare(key, std::string(name)) == 0) return value;
  }
  return "";
}

nlohmann::json Response::json() const {
  if (body.empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    throw ClientError("the answer (HTTP " + std::to_string(status) +
                      ") is not JSON: " + body.substr(0, kQuotedBodyLength));
  }
  return parsed;
}

Response Response::checked() && {
  if (!ok()) throw ApiError(std::move(*this));
  return std::move(*this);
}

ApiError::ApiError(Response response) : std::runtime_error(error_message(response)), response_(std::move(response)) {}

nlohmann::json ApiError::details() const {
  const auto body = nlohmann::json::parse(response_.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return nlohmann::json::array();
  const auto details = body["error"].value("details", nlohmann::json::array());
  return details.is_array() ? details : nlohmann::json::array();
}

// At most one idle connection, kept alive for the next request.
struct ApiClient::Connections {
  std::mutex mutex;
  Session idle;
  Poco::Net::Context::Ptr tls;  // https only
};

namespace {

// Verifies weftd's certificate chain and that it names the host; TLS 1.2 or later.
Poco::Net::Context::Ptr client_tls(const std::string& ca_file) {
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  params.caLocation = ca_file;
  params.loadDefaultCAs = ca_file.empty();
  try {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    context->enableExtendedCertificateVerification(true);
    return context;
  } catch (const Poco::Exception& error) {
    throw std::invalid_argument("cannot use the CA file '" + ca_file + "': " + error.displayText());
  }
}

}  // namespace

ApiClient::ApiClient(Server server) : server_(std::move(server)), connections_(std::make_unique<Connections>()) {
  if (server_.https) connections_->tls = client_tls(server_.ca_file);
}

ApiClient::ApiClient(const std::string& server, std::string token, std::chrono::seconds timeout, std::string ca_file,
                     std::string peer)
    : connections_(std::make_unique<Connections>()) {
  Poco::URI uri;
  try {
    uri = Poco::URI(server);
  } catch (const Poco::Exception&) {
  }
  const bool https = uri.getScheme() == "https";
  if ((uri.getScheme() != "http" && !https) || uri.getHost().empty()) {
    throw std::invalid_argument("a server is http://HOST[:PORT] or https://HOST[:PORT], not '" + server + "'");
  }
  server_ = {server,  uri.getHost(), uri.getPort(),      uri.getPath(),  std::move(token),
             timeout, https,         std::move(ca_file), std::move(peer)};
  while (!server_.base_path.empty() && server_.base_path.back() == '/') server_.base_path.pop_back();
  if (https) connections_->tls = client_tls(server_.ca_file);
}

ApiClient::ApiClient(uint16_t port, std::string token, std::chrono::seconds timeout)
    : ApiClient(Server{"http://127.0.0.1:" + std::to_string(port), "127.0.0.1", port, "", std::move(token), timeout,
                       false, "", "weftd"}) {}

ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;
ApiClient::~ApiClient() = default;

ApiClient ApiClient::without_token() const {
  Server server = server_;
  server.token.clear();
  return ApiClient(std::move(server));
}

ApiClient::Session ApiClient::take_session() const {
  {
    std::lock_guard lock(connections_->mutex);
    if (connections_->idle) return std::move(connections_->idle);
  }
  Session session;
  if (server_.https) {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(server_.host, server_.port, connections_->tls);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(server_.host, server_.port);
  }
  session->setKeepAlive(true);
  return session;
}

void ApiClient::keep_session(Session session) const {
  std::lock_guard lock(connections_->mutex);
  if (!connections_->idle) connections_->idle = std::move(session);
}

std::istream& ApiClient::begin(Poco::Net::HTTPClientSession& session, const std::string& method,
                               const std::string& target, const std::string& body, const Headers& headers,
                               HTTPResponse& head) const {
  HTTPRequest request(method, server_.base_path + target, HTTPRequest::HTTP_1_1);
  request.set("Accept", "application/json");
  if (!server_.token.empty()) request.set("Authorization", "Bearer " + server_.token);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == HTTPRequest::HTTP_POST || method == HTTPRequest::HTTP_PUT) {
    if (!request.has("Content-Type")) request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  try {
    session.sendRequest(request) << body;
    return session.receiveResponse(head);
  } catch (const Poco::Exception& error) {
    throw ClientError("cannot reach " + server_.peer + " at " + server_.url + ": " + error.displayText());
  }
}

Response ApiClient::send(const std::string& method, const std::string& target, const std::string& body,
                         const Headers& headers) const {
  Session session = take_session();
  session->setTimeout(kConnectTimeout, timespan(server_.timeout), timespan(server_.timeout));
  HTTPResponse head;
  std::istream& in = begin(*session, method, target, body, headers, head);
  std::string text;
  try {
    Poco::StreamCopier::copyToString(in, text);
  } catch (const Poco::Exception& error) {
    throw ClientError("cannot reach " + server_.peer + " at " + server_.url + ": " + error.displayText());
  }
  keep_session(std::move(session));
  return response_of(head, std::move(text));
}

void ApiClient::stream(const std::string& target, std::ostream& out) const {
  Session session = take_session();
  session->setTimeout(kConnectTimeout, timespan(server_.timeout), kNoTimeout);
  HTTPResponse head;
  std::istream& in = begin(*session, HTTPRequest::HTTP_GET, target, "", {}, head);
  try {
    if (head.getStatus() / 100 != 2) {
      std::string text;
      Poco::StreamCopier::copyToString(in, text);
      throw ApiError(response_of(head, std::move(text)));
    }
    for (std::string line; std::getline(in, line);) {
      out << line << (in.eof() ? "" : "\n") << std::flush;
    }
  } catch (const Poco::Exception& error) {
    throw ClientError("lost " + server_.peer + " at " + server_.url + ": " + error.displayText());
  }
}

void ApiClient::events(const std::string& target, const std::string& last_event_id,
                       const std::function<bool(const ServerEvent&)>& on_event) const {
  Session session = take_session();
  session->setTimeout(kConnectTimeout, timespan(server_.timeout), kEventSilence);
  HTTPResponse head;
  Headers headers{{"Accept", "text/event-stream"}};
  if (!last_event_id.empty()) headers["Last-Event-ID"] = last_event_id;
  std::istream& in = begin(*session, HTTPRequest::HTTP_GET, target, "", headers, head);
  try {
    if (head.getStatus() / 100 != 2) {
      std::string text;
      Poco::StreamCopier::copyToString(in, text);
      throw ApiError(response_of(head, std::move(text)));
    }
    ServerEventParser parser;
    for (std::string line; std::getline(in, line);) {
      const auto event = parser.line(line);
      if (event && !on_event(*event)) return;
    }
    if (in.bad()) throw ClientError("lost " + server_.peer + " at " + server_.url + ": the event stream broke off");
  } catch (const Poco::Exception& error) {
    throw ClientError("lost " + server_.peer + " at " + server_.url + ": " + error.displayText());
  }
}

std::optional<ServerEvent> ServerEventParser::line(std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.empty()) {
    std::optional<ServerEvent> done;
    if (has_data_) done = std::move(event_);
    event_ = ServerEvent{};
    has_data_ = false;
    return done;
  }
  if (text.front() == ':') return std::nullopt;  // a comment: weftd's keep-alive
  const auto colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) event_.data += '\n';
    event_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    event_.type = value;
  } else if (field == "id") {
    event_.id = value;
  }
  return std::nullopt;
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

}  // namespace weft::client
