#include "http_call.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

namespace weft::nodes::http {

namespace {

Poco::Net::Context::Ptr tls_context(const HttpRequest& request, const CallSettings& settings) {
  Poco::Net::Context::Params params;
  params.verificationMode = request.verify_tls ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE;
  params.caLocation = request.ca_file.empty() ? settings.ca_file : request.ca_file;
  params.loadDefaultCAs = params.caLocation.empty();
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  // Checks that the certificate names the URL's host, not only that a trusted CA signed it.
  context->enableExtendedCertificateVerification(request.verify_tls);
  return context;
}

// Reads the body, refusing one over the limit before holding more of it.
std::string read_body(std::istream& in, std::size_t limit) {
  std::string body;
  std::array<char, 16384> chunk{};
  while (in) {
    in.read(chunk.data(), chunk.size());
    body.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (body.size() > limit) {
      throw std::runtime_error("the response body is larger than " + std::to_string(limit) +
                               " bytes (the http plugin's max_response_bytes)");
    }
  }
  if (in.bad()) throw std::runtime_error("the response body broke off");
  return body;
}

// Unsets the connection's socket however send_request leaves.
class Attached {
 public:
  Attached(Connection& connection, int fd) : connection_(connection) { connection_.attach(fd); }
  ~Attached() { connection_.detach(); }
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;

 private:
  Connection& connection_;
};

}  // namespace

Connection::~Connection() { detach(); }

void Connection::abort() {
  const std::lock_guard lock(mutex_);
  aborted_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void Connection::attach(int socket_fd) {
  const std::lock_guard lock(mutex_);
  if (aborted_) throw std::runtime_error("aborted");
  fd_ = ::dup(socket_fd);
  if (fd_ < 0) throw std::runtime_error("cannot duplicate the socket's descriptor");
}

void Connection::detach() {
  const std::lock_guard lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

HttpReply send_request(const HttpRequest& request, const Headers& filled_secret_headers, const CallSettings& settings,
                       Connection& connection) {
  const Poco::URI uri(request.url);
  const Poco::Net::SocketAddress address(uri.getHost(), uri.getPort());
  const Poco::Timespan timeout(std::chrono::duration_cast<std::chrono::microseconds>(request.timeout).count());
  Poco::Net::StreamSocket socket(address.family());
  const Attached attached(connection, socket.impl()->sockfd());
  socket.connect(address, timeout);
  socket.setReceiveTimeout(timeout);
  socket.setSendTimeout(timeout);

  // The session speaks HTTP over whichever socket it is given: TLS over ours
  // after the handshake (HTTPSClientSession would want to connect itself).
  Poco::Net::HTTPClientSession session(
      uri.getScheme() == "https"
          ? Poco::Net::SecureStreamSocket::attach(socket, uri.getHost(), tls_context(request, settings))
          : socket);
  session.setTimeout(timeout);

  const std::string target = uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery();
  Poco::Net::HTTPRequest out(request.method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  out.setHost(uri.getHost(), uri.getPort());
  out.setKeepAlive(false);
  for (const auto& [name, value] : request.headers) out.set(name, value);
  for (const auto& [name, value] : filled_secret_headers) out.set(name, value);
  if (request.body) {
    if (!out.has("Content-Type")) out.setContentType(request.content_type);
    out.setContentLength(static_cast<std::streamsize>(request.body->size()));
  } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    out.setContentLength(0);
  }
  std::ostream& body_out = session.sendRequest(out);
  if (request.body) body_out << *request.body;

  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply reply;
  reply.status = static_cast<int>(response.getStatus());
  for (const auto& [name, value] : response) reply.headers.emplace_back(name, value);
  reply.content_type = response.getContentType();
  if (request.method != "HEAD") reply.body = read_body(in, settings.max_response_bytes);
  return reply;
}

}  // namespace weft::nodes::http
