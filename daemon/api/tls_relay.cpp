#include "api/tls_relay.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace weft::daemon {

namespace {

constexpr size_t kBuffer = 64 * 1024;  // bytes held in each direction before reading stops
constexpr auto kFailureLogInterval = std::chrono::seconds(10);

// OpenSSL's queue of errors for this thread, as one line (and emptied).
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ::ERR_get_error()) {
    std::array<char, 256> line{};
    ::ERR_error_string_n(code, line.data(), line.size());
    if (!text.empty()) text += "; ";
    text += line.data();
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

std::string certificate_summary(SSL_CTX* context) {
  X509* certificate = ::SSL_CTX_get0_certificate(context);
  if (certificate == nullptr) return "no certificate";
  std::array<char, 512> subject{};
  ::X509_NAME_oneline(::X509_get_subject_name(certificate), subject.data(), static_cast<int>(subject.size()));
  std::string summary = subject.data();
  tm until{};
  if (::ASN1_TIME_to_tm(::X509_get0_notAfter(certificate), &until) == 1) {
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &until);
    summary += std::string(", valid until ") + text.data();
  }
  return summary;
}

}  // namespace

TlsContext::TlsContext(SSL_CTX* context, std::string summary) : context_(context), summary_(std::move(summary)) {}

TlsContext::~TlsContext() { ::SSL_CTX_free(context_); }

std::shared_ptr<const TlsContext> TlsContext::load(const TlsFiles& files) {
  ::ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> context(::SSL_CTX_new(::TLS_server_method()), &::SSL_CTX_free);
  if (!context) throw std::runtime_error("cannot set up TLS: " + openssl_errors());
  ::SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  ::SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  ::SSL_CTX_set_mode(context.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (::SSL_CTX_use_certificate_chain_file(context.get(), files.certificate.c_str()) != 1) {
    throw std::runtime_error("api.tls.certificate: cannot use '" + files.certificate.string() +
                             "' (a PEM certificate, then its chain): " + openssl_errors());
  }
  if (::SSL_CTX_use_PrivateKey_file(context.get(), files.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("api.tls.private_key: cannot use '" + files.private_key.string() +
                             "' (a PEM private key, not encrypted): " + openssl_errors());
  }
  if (::SSL_CTX_check_private_key(context.get()) != 1) {
    throw std::runtime_error("api.tls.private_key '" + files.private_key.string() +
                             "' is not the key of the certificate in '" + files.certificate.string() +
                             "': " + openssl_errors());
  }
  std::string summary = certificate_summary(context.get());
  return std::shared_ptr<const TlsContext>(new TlsContext(context.release(), std::move(summary)));
}

// One client's connection: its TLS socket, and the socket pair's end that
// the relay reads and writes (the other end is Connections').
struct TlsRelay::Link {
  uint64_t id = 0;
  int tls_fd = -1;
  int plain_fd = -1;  // -1 before the handshake and once Connections closed its end
  std::unique_ptr<SSL, decltype(&::SSL_free)> ssl{nullptr, &::SSL_free};
  std::string client;
  bool handshaken = false;
  EventLoop::TimerId handshake_timer = 0;

  std::string to_plain;     // decrypted, not yet written to plain_fd
  std::string to_tls;       // read from plain_fd, not yet encrypted
  bool tls_ended = false;   // the client closed (or shut down) its side
  bool plain_shut = false;  // the client's end was passed on as a shutdown
  bool tls_wants_read = false;
  bool tls_wants_write = false;
  uint32_t tls_events = 0;
  uint32_t plain_events = 0;
};

TlsRelay::TlsRelay(EventLoop& loop, std::shared_ptr<const TlsContext> context, Deliver deliver,
                   std::chrono::milliseconds handshake_timeout, size_t max_connections)
    : loop_(loop),
      context_(std::move(context)),
      deliver_(std::move(deliver)),
      handshake_timeout_(handshake_timeout),
      max_connections_(max_connections) {}

TlsRelay::~TlsRelay() = default;

TlsRelay::Link* TlsRelay::find(uint64_t id) {
  const auto found = links_.find(id);
  return found == links_.end() ? nullptr : found->second.get();
}

void TlsRelay::set_context(std::shared_ptr<const TlsContext> context) {
  loop_.post([this, context = std::move(context)]() mutable { context_ = std::move(context); });
}

void TlsRelay::accept(int fd, const std::string& client) {
  if (links_.size() >= max_connections_) {
    ::close(fd);
    return;
  }
  auto owned = std::make_unique<Link>();
  Link& link = *owned;
  link.id = next_id_++;
  link.tls_fd = fd;
  link.client = client;
  link.ssl.reset(::SSL_new(context_->get()));
  if (!link.ssl || ::SSL_set_fd(link.ssl.get(), fd) != 1) {
    spdlog::error("cannot begin TLS with {}: {}", client, openssl_errors());
    ::close(fd);
    return;
  }
  ::SSL_set_accept_state(link.ssl.get());
  links_.emplace(link.id, std::move(owned));
  link.tls_events = EPOLLIN;
  loop_.add(fd, link.tls_events, [this, id = link.id](uint32_t events) { on_tls_event(id, events); });
  link.handshake_timer = loop_.after(handshake_timeout_, [this, id = link.id] {
    if (Link* late = find(id)) {
      late->handshake_timer = 0;
      spdlog::debug("closing the connection from {}: no TLS handshake within {} ms (api.read_timeout_s)", late->client,
                    handshake_timeout_.count());
      close(*late);
    }
  });
  handshake(link);
}

void TlsRelay::on_tls_event(uint64_t id, uint32_t events) {
  Link* link = find(id);
  if (link == nullptr) return;
  // The client is gone both ways: nothing more can reach it, and the hang-up
  // would be reported again and again.
  if ((events & (EPOLLHUP | EPOLLERR)) != 0) return close(*link);
  if (link->handshaken) {
    pump(*link);
  } else {
    handshake(*link);
  }
}

void TlsRelay::on_plain_event(uint64_t id, uint32_t events) {
  Link* link = find(id);
  if (link == nullptr) return;
  if ((events & (EPOLLHUP | EPOLLERR)) != 0 && (events & EPOLLIN) == 0) end_plain(*link);
  pump(*link);
}

// Connections closed its end: what it wrote has been read; the rest is
// sending that to the client.
void TlsRelay::end_plain(Link& link) {
  if (link.plain_fd < 0) return;
  loop_.remove(link.plain_fd);
  ::close(link.plain_fd);
  link.plain_fd = -1;
  link.to_plain.clear();
}

void TlsRelay::handshake(Link& link) {
  ::ERR_clear_error();
  const int done = ::SSL_do_handshake(link.ssl.get());
  if (done != 1) {
    const int error = ::SSL_get_error(link.ssl.get(), done);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      link.tls_wants_read = error == SSL_ERROR_WANT_READ;
      link.tls_wants_write = error == SSL_ERROR_WANT_WRITE;
      return watch(link);
    }
    // A client speaking plain HTTP to the TLS port ends here too: log it, but
    // not for every such connection.
    if (EventLoop::Clock::now() - last_failure_log_ > kFailureLogInterval) {
      last_failure_log_ = EventLoop::Clock::now();
      spdlog::info("TLS handshake with {} failed: {}", link.client, openssl_errors());
    }
    ::ERR_clear_error();
    return close(link);
  }
  std::array<int, 2> pair{};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair.data()) != 0) {
    spdlog::warn("closing the TLS connection from {}: no socket pair: {}", link.client, std::strerror(errno));
    return close(link);
  }
  link.handshaken = true;
  loop_.cancel(link.handshake_timer);
  link.handshake_timer = 0;
  link.plain_fd = pair[0];
  link.plain_events = EPOLLIN;
  loop_.add(link.plain_fd, link.plain_events, [this, id = link.id](uint32_t events) { on_plain_event(id, events); });
  deliver_(pair[1], link.client);
  pump(link);
}

// Moves what each side can take, until nothing moves; then watches for what
// would let more move. Level-triggered: what is left is reported again.
void TlsRelay::pump(Link& link) {
  std::array<char, 16 * 1024> buffer{};
  for (bool moved = true; moved;) {
    moved = false;
    link.tls_wants_read = link.tls_wants_write = false;

    while (!link.tls_ended && link.to_plain.size() < kBuffer) {
      ::ERR_clear_error();
      const int n = ::SSL_read(link.ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
      if (n > 0) {
        link.to_plain.append(buffer.data(), static_cast<size_t>(n));
        moved = true;
        continue;
      }
      const int error = ::SSL_get_error(link.ssl.get(), n);
      if (error == SSL_ERROR_WANT_READ) {
        link.tls_wants_read = true;
      } else if (error == SSL_ERROR_WANT_WRITE) {
        link.tls_wants_write = true;
      } else if (error == SSL_ERROR_ZERO_RETURN || error == SSL_ERROR_SYSCALL) {
        link.tls_ended = true;  // close_notify, or the client went away without one
      } else {
        spdlog::debug("TLS connection from {}: {}", link.client, openssl_errors());
        return close(link);
      }
      break;
    }
    if (!link.to_plain.empty()) {
      const ssize_t n = ::send(link.plain_fd, link.to_plain.data(), link.to_plain.size(), MSG_NOSIGNAL);
      if (n > 0) {
        link.to_plain.erase(0, static_cast<size_t>(n));
        moved = true;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        end_plain(link);
      }
    }
    if (link.tls_ended && link.to_plain.empty() && !link.plain_shut && link.plain_fd >= 0) {
      ::shutdown(link.plain_fd, SHUT_WR);
      link.plain_shut = true;
    }

    while (link.plain_fd >= 0 && link.to_tls.size() < kBuffer) {
      const ssize_t n = ::recv(link.plain_fd, buffer.data(), buffer.size(), 0);
      if (n > 0) {
        link.to_tls.append(buffer.data(), static_cast<size_t>(n));
        moved = true;
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) end_plain(link);
      break;
    }
    if (!link.to_tls.empty() && !link.tls_ended) {
      ::ERR_clear_error();
      const int n = ::SSL_write(link.ssl.get(), link.to_tls.data(), static_cast<int>(link.to_tls.size()));
      if (n > 0) {
        link.to_tls.erase(0, static_cast<size_t>(n));
        moved = true;
      } else {
        const int error = ::SSL_get_error(link.ssl.get(), n);
        if (error == SSL_ERROR_WANT_WRITE) {
          link.tls_wants_write = true;
        } else if (error == SSL_ERROR_WANT_READ) {
          link.tls_wants_read = true;
        } else {
          return close(link);  // the client is gone: nothing more can reach it
        }
      }
    }
  }
  if (link.plain_fd < 0 && (link.to_tls.empty() || link.tls_ended)) {
    if (!link.tls_ended) ::SSL_shutdown(link.ssl.get());  // close_notify, best effort: the socket closes next
    return close(link);
  }
  watch(link);
}

void TlsRelay::watch(Link& link) {
  uint32_t tls = 0;
  if (!link.handshaken) {
    tls = link.tls_wants_write ? EPOLLOUT : EPOLLIN;
  } else {
    if (link.tls_wants_read || (!link.tls_ended && link.to_plain.size() < kBuffer)) tls |= EPOLLIN;
    if (link.tls_wants_write) tls |= EPOLLOUT;
  }
  if (tls != link.tls_events) {
    loop_.modify(link.tls_fd, tls);
    link.tls_events = tls;
  }
  if (link.plain_fd < 0) return;
  uint32_t plain = 0;
  if (link.to_tls.size() < kBuffer) plain |= EPOLLIN;
  if (!link.to_plain.empty()) plain |= EPOLLOUT;
  if (plain != link.plain_events) {
    loop_.modify(link.plain_fd, plain);
    link.plain_events = plain;
  }
}

void TlsRelay::close(Link& link) {
  loop_.cancel(link.handshake_timer);
  loop_.remove(link.tls_fd);
  ::close(link.tls_fd);
  if (link.plain_fd >= 0) {
    loop_.remove(link.plain_fd);
    ::close(link.plain_fd);
  }
  links_.erase(link.id);
}

void TlsRelay::close_all() {
  std::vector<uint64_t> ids;
  ids.reserve(links_.size());
  for (const auto& [id, link] : links_) ids.push_back(id);
  for (const uint64_t id : ids) close(*find(id));
}

}  // namespace weft::daemon
