#include "fake_https_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <stdexcept>

namespace weft::fakes {

void make_certificate(const std::filesystem::path& key, const std::filesystem::path& cert) {
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
      " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
      key.string() + "' -out '" + cert.string() + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0 || !std::filesystem::exists(cert)) {
    throw std::runtime_error(
        "cannot make a test certificate with the openssl command (scripts/install-deps.sh installs it): " + command);
  }
}

namespace {

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(FakeHttpsServer& server) : server_(server) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    FakeRequest r;
    r.method = request.getMethod();
    const Poco::URI uri(request.getURI());
    r.path = uri.getPath();
    for (const auto& [name, value] : uri.getQueryParameters()) r.query.emplace(name, value);
    r.accept = request.get("Accept", "");
    for (const auto& [name, value] : request) r.headers[Poco::toLower(name)] = value;
    Poco::StreamCopier::copyToString(request.stream(), r.body);
    const FakeReply reply = server_.answer(r, request.get("Authorization", ""));
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType(reply.content_type);
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    if (!reply.next_chunk) {
      response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
      response.send() << reply.body;
      return;
    }
    response.setChunkedTransferEncoding(true);
    std::ostream& out = response.send();
    out << reply.body;
    out.flush();
    for (std::string chunk; out && reply.next_chunk(chunk); chunk.clear()) {
      out << chunk;
      out.flush();
    }
  }

 private:
  FakeHttpsServer& server_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(FakeHttpsServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(server_);
  }

 private:
  FakeHttpsServer& server_;
};

}  // namespace

std::string FakeRequest::query_value(const std::string& name) const {
  const auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

std::string FakeRequest::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

FakeHttpsServer::FakeHttpsServer(const std::filesystem::path& dir, Handler handler, ErrorReply error_reply)
    : handler_(std::move(handler)),
      error_reply_(std::move(error_reply)),
      cert_file_(dir / "server-cert.pem"),
      key_file_(dir / "server-key.pem") {
  make_certificate(key_file_, cert_file_);
  Poco::Net::Context::Params params;
  params.privateKeyFile = key_file_.string();
  params.certificateFile = cert_file_.string();
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  const Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  serve(Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context));
}

FakeHttpsServer::FakeHttpsServer(Handler handler, ErrorReply error_reply)
    : handler_(std::move(handler)), error_reply_(std::move(error_reply)), tls_(false) {
  serve(Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64));
}

void FakeHttpsServer::serve(const Poco::Net::ServerSocket& socket) {
  port_ = socket.address().port();
  auto* server_params = new Poco::Net::HTTPServerParams;
  // Streams (a followed log) hold a thread each while they last.
  server_params->setMaxThreads(64);
  server_params->setMaxQueued(256);
  server_params->setKeepAlive(true);
  threads_ = std::make_unique<Poco::ThreadPool>(2, 64);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*this), *threads_, socket, server_params);
  server_->start();
}

FakeHttpsServer::~FakeHttpsServer() {
  server_->stopAll(true);
  server_.reset();
  threads_->stopAll();
}

std::string FakeHttpsServer::url() const {
  return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_);
}

void FakeHttpsServer::require_token(const std::string& token) {
  const std::lock_guard lock(mutex_);
  token_ = token;
}

void FakeHttpsServer::fail_next(int count, int status) {
  const std::lock_guard lock(mutex_);
  faults_left_ = count;
  fault_status_ = status;
}

FakeReply FakeHttpsServer::answer(const FakeRequest& request, const std::string& authorization) {
  ++requests_;
  {
    const std::lock_guard lock(mutex_);
    if (faults_left_ > 0) {
      --faults_left_;
      return error_reply_(fault_status_, "the fake server was told to fail this request");
    }
    if (!token_.empty() && authorization != "Bearer " + token_) {
      return error_reply_(401, authorization.empty() ? "no bearer token" : "the bearer token is not valid");
    }
  }
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    return error_reply_(500, std::string("the fake server failed: ") + e.what());
  }
}

}  // namespace weft::fakes
