#include "https_session.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

namespace weft::https {

HttpsSession::HttpsSession(const std::string& url, const TlsOptions& options) : url_(url) {
  const Poco::URI uri(url);
  if (uri.getScheme() == "https") {
    Poco::Net::Context::Params params;
    params.verificationMode = options.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED;
    params.caLocation = options.ca_file;
    params.loadDefaultCAs = options.ca_file.empty();
    context_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context_->enableExtendedCertificateVerification(!options.insecure);
    session_ = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context_);
  } else {
    session_ = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session_->setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(options.timeout).count()));
  session_->setKeepAlive(true);
}

HttpsSession::~HttpsSession() = default;

HttpReply HttpsSession::send(const std::string& method, const std::string& path_and_query, const std::string& body,
                             const Headers& headers, const std::string& content_type) {
  try {
    Poco::Net::HTTPRequest request(method, path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    request.set("Accept", "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT") {
      request.setContentType(content_type);
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
    throw TransientError(method + " " + url_ + path_and_query + ": " + e.displayText());
  } catch (const std::exception& e) {
    session_->reset();
    throw TransientError(method + " " + url_ + path_and_query + ": " + e.what());
  }
}

HttpReply HttpsSession::stream(const std::string& path_and_query, const Headers& headers,
                               const std::function<void(const std::string&)>& on_line) {
  try {
    Poco::Net::HTTPRequest request("GET", path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Accept", "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    session_->sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    HttpReply reply;
    reply.status = static_cast<int>(response.getStatus());
    if (reply.status != 200) {
      Poco::StreamCopier::copyToString(in, reply.body);
      session_->reset();
      return reply;
    }
    for (std::string line; std::getline(in, line);) on_line(line);
    if (in.bad()) throw TransientError("GET " + url_ + path_and_query + ": the stream broke off");
    session_->reset();  // a stream's connection is not reused
    return reply;
  } catch (const Poco::Exception& e) {
    session_->reset();
    throw TransientError("GET " + url_ + path_and_query + ": " + e.displayText());
  }
}

void HttpsSession::abort() {
  try {
    session_->abort();
  } catch (const Poco::Exception&) {
    // Closed already: nothing is under way.
  }
}

}  // namespace weft::https
