#include "argo_http.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace weft::argo {
namespace {

bool is_transient(int status) { return status == 401 || status == 429 || status >= 500; }

}  // namespace

ArgoHttp::ArgoHttp(const ArgoConfig& config) : config_(config) {
  const Poco::URI uri(config_.server);
  if (uri.getScheme() == "https") {
    Poco::Net::Context::Params params;
    params.verificationMode = config_.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED;
    params.caLocation = config_.ca_file;
    params.loadDefaultCAs = config_.ca_file.empty();
    context_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context_->enableExtendedCertificateVerification(!config_.insecure);
    session_ = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context_);
  } else {
    session_ = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session_->setTimeout(
      Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(config_.request_timeout).count()));
  session_->setKeepAlive(true);
  if (!config_.token_file.empty()) refresh_token(true);
}

ArgoHttp::~ArgoHttp() = default;

void ArgoHttp::refresh_token(bool force) {
  if (config_.token_file.empty()) return;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(config_.token_file, ec);
  if (ec) throw TransientError("cannot read the token file " + config_.token_file + ": " + ec.message());
  if (!force && mtime == token_mtime_) return;
  std::ifstream in(config_.token_file);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (!in || token.empty()) throw TransientError("the token file " + config_.token_file + " is empty or unreadable");
  token_ = token;
  token_mtime_ = mtime;
}

HttpReply ArgoHttp::request(const std::string& method, const std::string& path_and_query, const std::string& body) {
  refresh_token(false);
  HttpReply reply = send_once(method, path_and_query, body);
  if (reply.status == 401 && !config_.token_file.empty()) {
    // The token may have rotated within the file's timestamp resolution.
    refresh_token(true);
    reply = send_once(method, path_and_query, body);
  }
  if (is_transient(reply.status)) throw TransientError(method + " " + path_and_query + ": " + describe_error(reply));
  return reply;
}

HttpReply ArgoHttp::stream(const std::string& path_and_query, const std::function<void(const std::string&)>& on_line) {
  refresh_token(false);
  try {
    Poco::Net::HTTPRequest request("GET", path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Accept", "application/json");
    if (!token_.empty()) request.set("Authorization", "Bearer " + token_);
    session_->sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    HttpReply reply;
    reply.status = static_cast<int>(response.getStatus());
    if (reply.status != 200) {
      Poco::StreamCopier::copyToString(in, reply.body);
      if (is_transient(reply.status)) throw TransientError("GET " + path_and_query + ": " + describe_error(reply));
      return reply;
    }
    for (std::string line; std::getline(in, line);) on_line(line);
    if (in.bad()) throw TransientError("GET " + path_and_query + ": the stream broke off");
    session_->reset();  // a stream's connection is not reused
    return reply;
  } catch (const Poco::Exception& e) {
    session_->reset();
    throw TransientError("GET " + config_.server + path_and_query + ": " + e.displayText());
  }
}

void ArgoHttp::abort() {
  try {
    session_->abort();
  } catch (const Poco::Exception&) {
    // Closed already: nothing is under way.
  }
}

HttpReply ArgoHttp::send_once(const std::string& method, const std::string& path_and_query, const std::string& body) {
  try {
    Poco::Net::HTTPRequest request(method, path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    request.set("Accept", "application/json");
    if (!token_.empty()) request.set("Authorization", "Bearer " + token_);
    if (!body.empty()) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session_->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    HttpReply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& e) {
    session_->reset();
    throw TransientError(method + " " + config_.server + path_and_query + ": " + e.displayText());
  } catch (const std::exception& e) {
    session_->reset();
    throw TransientError(method + " " + config_.server + path_and_query + ": " + e.what());
  }
}

std::string describe_error(const HttpReply& reply) {
  const auto body = nlohmann::json::parse(reply.body, nullptr, false);
  std::string message;
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    message = body["message"].get<std::string>();
  } else {
    message = reply.body.substr(0, 500);
  }
  return "HTTP " + std::to_string(reply.status) + (message.empty() ? "" : ": " + message);
}

}  // namespace weft::argo
