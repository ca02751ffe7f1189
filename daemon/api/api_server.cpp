#include "api/api_server.hpp"

#include "api/api_error.hpp"
#include "api/query.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace weft::daemon {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

namespace {

struct RequestTarget {
  std::vector<std::string> segments;  // decoded
  Query query;                        // decoded
};

RequestTarget parse_target(const std::string& target) {
  try {
    const Poco::URI uri(target);
    RequestTarget parsed;
    uri.getPathSegments(parsed.segments);
    for (auto& [name, value] : uri.getQueryParameters()) parsed.query[name] = value;
    return parsed;
  } catch (const Poco::Exception& e) {
    raise(ErrorCode::invalid_request, "the request target '" + target + "' is not a valid URI: " + e.message());
  }
}

Poco::Net::ServerSocket bind(const std::string& listen) {
  try {
    return Poco::Net::ServerSocket(Poco::Net::SocketAddress(listen));
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on '" + listen + "': " + e.displayText());
  }
}

ApiError unauthorized(const std::string& message) {
  ApiError error(fail(ErrorCode::unauthorized, message));
  error.headers.emplace_back("WWW-Authenticate", "Bearer");
  return error;
}

ApiReply error_reply(const ApiError& error) {
  auto reply = json_reply(error.status, error_body(error));
  reply.headers = error.headers;
  return reply;
}

bool has_body(const HTTPServerRequest& request) {
  return request.getChunkedTransferEncoding() || (request.hasContentLength() && request.getContentLength64() > 0);
}

// Reads what is left of a body that the reply did not need (up to a bound),
// so that closing the connection does not reset it before the client has read
// the reply. Returns whether the body ended.
bool discard_rest_of_body(HTTPServerRequest& request) {
  constexpr std::streamsize kMostDiscarded = 1024 * 1024;
  try {
    auto& in = request.stream();
    in.ignore(kMostDiscarded);
    return in.eof();
  } catch (const Poco::Exception&) {
    return false;
  }
}

ApiError too_large(size_t limit) {
  return ApiError(fail(ErrorCode::payload_too_large,
                       "the request body is larger than the limit of " + std::to_string(limit) + " bytes"));
}

void send(ApiReply& reply, HTTPServerResponse& response) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  response.setContentType(reply.content_type);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  if (reply.stream) {
    response.setChunkedTransferEncoding(true);
    reply.stream(response.send());
    return;
  }
  response.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
  response.send() << reply.body;
}

}  // namespace

class ApiServer::RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(ApiServer& server) : server_(server) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    server_.serve(request, response);
  }

 private:
  ApiServer& server_;
};

class ApiServer::RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RequestHandlerFactory(ApiServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new RequestHandler(server_);
  }

 private:
  ApiServer& server_;
};

ApiServer::ApiServer(Commands& commands, const StoreClient& store, const NodeCatalog& catalog,
                     PluginLister list_plugins, ReadinessCheck is_ready, ApiSettings settings)
    : settings_(std::move(settings)),
      verifier_(store),
      endpoints_(EndpointContext{commands, store, catalog, std::move(list_plugins), std::move(is_ready),
                                 settings_.state_dir, stopping_}),
      threads_(std::make_unique<Poco::ThreadPool>(1, std::max(settings_.threads, 1))) {
  endpoints_.add_to(router_);
  auto params = Poco::Net::HTTPServerParams::Ptr(new Poco::Net::HTTPServerParams);
  params->setMaxThreads(std::max(settings_.threads, 1));
  params->setKeepAlive(true);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new RequestHandlerFactory(*this), *threads_, bind(settings_.listen),
                                                    params);
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::start() {
  server_->start();
  spdlog::info("serving the API on {} (port {})", settings_.listen, port());
}

void ApiServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  server_->stopAll(true);
  threads_->joinAll();
}

uint16_t ApiServer::port() const { return server_->port(); }

void ApiServer::serve(HTTPServerRequest& request, HTTPServerResponse& response) {
  const std::string request_line = request.getMethod() + " " + request.getURI();
  ApiReply reply;
  try {
    reply = answer(request);
  } catch (const ApiError& e) {
    reply = error_reply(e);
  } catch (const StoreError& e) {
    spdlog::warn("{}: the store did not answer: {}", request_line, e.what());
    reply = error_reply(ApiError(fail(ErrorCode::unavailable, std::string("the store did not answer: ") + e.what())));
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", request_line, e.what());
    reply = error_reply(ApiError(fail(ErrorCode::internal, "internal error; weftd's log has the details")));
  }
  // An error may come before the body was read; what is left of it must not
  // be taken for the next request on this connection. It is read (up to a
  // bound) even when the connection closes after the reply: closing with
  // unread bytes makes the kernel reset the connection, which can destroy the
  // reply before the client reads it.
  // A client that declared a body over the limit may be waiting for this
  // answer before it sends the body: only wait briefly for one.
  const bool too_large = declares_too_large(request);
  if (too_large) {
    static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket().setReceiveTimeout(Poco::Timespan(0, 200'000));
  }
  const bool body_consumed = !has_body(request) || discard_rest_of_body(request);
  if (!body_consumed || too_large) {
    response.setKeepAlive(false);
  }
  try {
    send(reply, response);
  } catch (const std::exception& e) {
    spdlog::warn("{}: could not send the reply: {}", request_line, e.what());
  }
}

ApiReply ApiServer::answer(HTTPServerRequest& request) {
  auto target = parse_target(request.getURI());
  auto match = router_.find(request.getMethod(), target.segments);
  if (settings_.auth_enabled && match.route->required_role) authorize(request, *match.route->required_role);
  const ApiRequest api_request{request.getMethod(), std::move(match.captures), std::move(target.query),
                               read_body(request)};
  return match.route->endpoint(api_request);
}

bool ApiServer::declares_too_large(const HTTPServerRequest& request) const {
  return request.hasContentLength() && static_cast<uint64_t>(request.getContentLength64()) > settings_.max_body_bytes;
}

void ApiServer::authorize(const HTTPServerRequest& request, Role needed) const {
  constexpr std::string_view kScheme = "bearer ";
  const std::string header = request.get("Authorization", "");  // a copy: get() may return its default argument
  if (header.size() <= kScheme.size() || Poco::icompare(header.substr(0, kScheme.size()), std::string(kScheme)) != 0) {
    throw unauthorized("this request needs an 'Authorization: Bearer <token>' header");
  }
  const auto role = verifier_.verify(Poco::trim(header.substr(kScheme.size())));
  if (!role) throw unauthorized("the bearer token is not valid (unknown or revoked)");
  if (!permits(*role, needed)) {
    raise(ErrorCode::forbidden, std::string("a token of role '") + to_string(*role) + "' may not do this; it needs '" +
                                    to_string(needed) + "'");
  }
}

// Content-Length is checked before anything is read; a chunked body is read
// up to one byte past the limit.
std::string ApiServer::read_body(HTTPServerRequest& request) const {
  const size_t limit = settings_.max_body_bytes;
  if (!has_body(request)) return {};
  if (declares_too_large(request)) throw too_large(limit);
  std::string body;
  std::array<char, 16 * 1024> buffer{};
  try {
    auto& in = request.stream();
    while (body.size() <= limit && in) {
      in.read(buffer.data(), static_cast<std::streamsize>(std::min(buffer.size(), limit + 1 - body.size())));
      body.append(buffer.data(), static_cast<size_t>(in.gcount()));
    }
    if (in.bad()) raise(ErrorCode::invalid_request, "the request body could not be read");
  } catch (const Poco::Exception& e) {
    raise(ErrorCode::invalid_request, "the request body could not be read: " + e.displayText());
  }
  if (body.size() > limit) throw too_large(limit);
  return body;
}

}  // namespace weft::daemon
