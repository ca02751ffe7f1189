#include "api/connections.hpp"

#include "api/connection_state.hpp"

#include <Poco/Net/StreamSocketImpl.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace weft::daemon {

using Clock = EventLoop::Clock;

namespace {

constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr auto kRefusalLogInterval = std::chrono::seconds(10);

std::string peer_address(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text, sizeof text);
  }
  return text;
}

}  // namespace

Connections::Connections(EventLoop& loop, RequestPool& pool, RequestHandling& handling,
                         const Poco::Net::ServerSocket& listener, ConnectionSettings settings)
    : loop_(loop), pool_(pool), handling_(handling), listener_(listener), settings_(settings) {
  peek_buffer_.resize(settings_.max_head_bytes + settings_.awaited_body_bytes);
}

Connections::~Connections() = default;

Connections::Connection* Connections::find(uint64_t id) {
  const auto found = connections_.find(id);
  return found == connections_.end() ? nullptr : found->second.get();
}

void Connections::start() {
  listener_.setBlocking(false);
  accepting_ = true;
  loop_.add(listener_.impl()->sockfd(), EPOLLIN, [this](uint32_t) { accept_all(); });
}

void Connections::pause_accepting() {
  loop_.remove(listener_.impl()->sockfd());
  loop_.after(kAcceptPause, [this] {
    if (!accepting_) return;
    loop_.add(listener_.impl()->sockfd(), EPOLLIN, [this](uint32_t) { accept_all(); });
    accept_all();
  });
}

void Connections::accept_all() {
  for (;;) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(listener_.impl()->sockfd(), reinterpret_cast<sockaddr*>(&address), &length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (would_block()) return;
      // Out of descriptors or memory: accepting again at once would spin.
      spdlog::warn("cannot accept an API connection: {}; trying again shortly", std::strerror(errno));
      pause_accepting();
      return;
    }
    const std::string client = peer_address(address);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (divert_) {
      divert_(fd, client);
    } else {
      adopt(fd, client);
    }
  }
}

void Connections::adopt(int fd, const std::string& client) {
  if (!accepting_) {  // a TLS handshake that ended after weftd began to stop
    ::close(fd);
    return;
  }
  if (connections_.size() >= settings_.max_connections) {
    ::close(fd);
    if (Clock::now() - last_refusal_log_ > kRefusalLogInterval) {
      last_refusal_log_ = Clock::now();
      spdlog::warn("closing new API connections (one from {}): {} are open, the most api.max_connections allows",
                   client, connections_.size());
    }
    return;
  }
  auto owned = std::make_unique<Connection>();
  Connection& c = *owned;
  c.id = next_id_++;
  c.fd = fd;
  c.socket = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd));
  c.client = client;
  connections_.emplace(c.id, std::move(owned));
  loop_.add(fd, kConnectionEvents, [this, id = c.id](uint32_t events) { on_event(id, events); });
  c.registered = true;
  size_t& open = per_client_[client];
  if (open >= settings_.max_per_client) {
    if (Clock::now() - last_refusal_log_ > kRefusalLogInterval) {
      last_refusal_log_ = Clock::now();
      spdlog::warn("refusing API connections from {}: it has {} open", client, open);
    }
    return refuse(c, ApiError(429, "too_many_requests",
                              "too many connections from " + client + ": weftd allows " +
                                  std::to_string(settings_.max_per_client) +
                                  " per client address (api.max_connections_per_client)"));
  }
  ++open;
  c.counted = true;
  start_reading(c);
}

void Connections::arm(Connection& c, Clock::time_point when) {
  loop_.cancel(c.timer);
  c.timer = loop_.at(when, [this, id = c.id] { on_timer(id); });
}

void Connections::on_event(uint64_t id, uint32_t events) {
  Connection* c = find(id);
  if (c == nullptr) return;
  if ((events & (EPOLLERR | EPOLLHUP)) != 0) return close(*c);
  if ((events & EPOLLRDHUP) != 0) c->peer_closed = true;
  switch (c->phase) {
    case Phase::reading:
      if ((events & (EPOLLIN | EPOLLRDHUP)) != 0) read_head(*c);
      return;
    case Phase::lingering: return discard_input(*c);
    case Phase::streaming:
      if (c->peer_closed) return close(*c);  // a follower that hung up
      [[fallthrough]];
    case Phase::writing:
      if ((events & EPOLLOUT) != 0) pump(*c);
      return;
    default: return;  // answering: the reply (or its deadline) decides
  }
}

void Connections::on_timer(uint64_t id) {
  Connection* c = find(id);
  if (c == nullptr) return;
  c->timer = 0;
  switch (c->phase) {
    case Phase::reading:
      if (!c->first_byte) return close(*c);  // idle
      return refuse(*c, ApiError(408, "request_timeout",
                                 "the request did not arrive within " + in_seconds(settings_.read_timeout) +
                                     " (api.read_timeout_s)"));
    case Phase::queued: return expire_queued(*c);
    case Phase::answering:
      return respond(*c, reply_bytes(busy_reply(c->busy_reason), c->version, c->disposition.keep_alive),
                     c->disposition);
    case Phase::writing:
    case Phase::streaming:
      if (c->sent == c->out.size()) return;
      if (Clock::now() - c->last_progress < settings_.send_timeout)
        return arm(*c, c->last_progress + settings_.send_timeout);
      spdlog::debug("closing the API connection of {}: it read nothing for {}", c->client,
                    in_seconds(settings_.send_timeout));
      return close(*c);
    case Phase::lingering: return close(*c);
    default: return;
  }
}

void Connections::start_reading(Connection& c) {
  c.phase = Phase::reading;
  c.head.reset();
  c.first_byte = false;
  if (c.fresh) {
    c.read_deadline = Clock::now() + settings_.read_timeout;
    arm(c, c.read_deadline);
  } else {
    arm(c, Clock::now() + settings_.idle_timeout);
  }
  // Edge-triggered: a request already in the buffer is not reported again, so
  // look now; posted, so that a client pipelining many requests does not
  // recurse through respond() and read_head() here.
  loop_.post([this, id = c.id] {
    Connection* found = find(id);
    if (found != nullptr && found->phase == Phase::reading) read_head(*found);
  });
}

void Connections::read_head(Connection& c) {
  const ssize_t n = ::recv(c.fd, peek_buffer_.data(), peek_buffer_.size(), MSG_PEEK);
  if (n == 0) return close(c);  // hung up before a whole request: nothing to answer
  if (n < 0) {
    if (would_block() && !c.peer_closed) return;
    return close(c);
  }
  if (!c.first_byte) {
    c.first_byte = true;
    if (!c.fresh) {
      c.read_deadline = Clock::now() + settings_.read_timeout;
      arm(c, c.read_deadline);
    }
  }
  const std::string_view bytes(peek_buffer_.data(), static_cast<size_t>(n));
  const size_t size = head_size(bytes);
  if (size == 0 || size > settings_.max_head_bytes) {
    if (size > 0 || bytes.size() >= settings_.max_head_bytes) {
      return refuse(
          c, ApiError(fail(ErrorCode::invalid_request,
                           "the request head is larger than " + std::to_string(settings_.max_head_bytes) + " bytes")));
    }
    if (c.peer_closed) close(c);
    return;
  }
  if (!c.head) {
    std::string error;
    c.head = parse_head(bytes, size, &error);
    if (!c.head) return refuse(c, ApiError(fail(ErrorCode::invalid_request, "a malformed request head: " + error)));
    c.version = c.head->version;
  }
  const RequestHead& head = *c.head;
  if (!head.has_body()) {
    if (auto reply = handling_.answer_at_once(head)) {
      for (size_t consumed = 0; consumed < size;) {  // the head is in the buffer: this does not block
        const ssize_t got = ::recv(c.fd, peek_buffer_.data(), size - consumed, 0);
        if (got <= 0) return close(c);
        consumed += static_cast<size_t>(got);
      }
      c.fresh = false;
      return respond(c, reply_bytes(*reply, head.version, head.keep_alive), Disposition{head.keep_alive, false});
    }
  }
  const uint64_t length = head.content_length.value_or(0);
  const bool refused_unread = length > settings_.max_body_bytes;  // 413 at once on the thread
  const bool slow = !refused_unread && (head.chunked || head.expects_continue || length > settings_.awaited_body_bytes);
  if (!slow && !refused_unread && bytes.size() < size + length && !c.peer_closed) return;  // the body is on its way
  if (slow && slow_body_readers_ >= settings_.slow_body_threads) {
    if (!c.waiting_for_slot) slow_body_waiters_.push_back(c.id);
    c.waiting_for_slot = true;
    return;
  }
  c.waiting_for_slot = false;
  dispatch(c, slow);
}

void Connections::dispatch(Connection& c, bool slow_body) {
  loop_.remove(c.fd);
  c.registered = false;
  try {
    c.socket.setBlocking(true);
  } catch (const Poco::Exception&) {
    return close(c);
  }
  auto ticket = std::make_shared<RequestTicket>();
  ticket->connection = c.id;
  ticket->request = ++c.request;
  ticket->socket = c.socket;
  ticket->read_deadline = c.read_deadline;
  ticket->body_awaited = !slow_body;
  c.ticket = ticket;
  c.fresh = false;
  c.phase = Phase::queued;
  c.slow_body = slow_body;
  if (slow_body) ++slow_body_readers_;
  arm(c, Clock::now() + settings_.answer_timeout);
  pool_.submit([&handling = handling_, ticket] {
    if (ticket->take()) handling.serve(ticket);
  });
}

void Connections::back_from_thread(Connection& c) {
  if (c.slow_body) {
    c.slow_body = false;
    --slow_body_readers_;
    loop_.post([this] { wake_slow_body_waiters(); });
  }
  c.ticket.reset();
  c.head.reset();
  try {
    c.socket.setBlocking(false);
  } catch (const Poco::Exception&) {
    // Closed under the thread: the next send fails and closes the connection.
  }
  loop_.add(c.fd, kConnectionEvents, [this, id = c.id](uint32_t events) { on_event(id, events); });
  c.registered = true;
}

void Connections::wake_slow_body_waiters() {
  while (slow_body_readers_ < settings_.slow_body_threads && !slow_body_waiters_.empty()) {
    Connection* c = find(slow_body_waiters_.front());
    slow_body_waiters_.pop_front();
    if (c == nullptr || c->phase != Phase::reading || !c->waiting_for_slot) continue;
    c->waiting_for_slot = false;
    read_head(*c);
  }
}

// A request no thread took in time. Its head is still unread in the socket's
// buffer, so the connection cannot serve another request after the answer.
void Connections::expire_queued(Connection& c) {
  int expected = RequestTicket::queued;
  if (!c.ticket->state.compare_exchange_strong(expected, RequestTicket::expired)) {
    c.phase = Phase::with_thread;  // taken just now: the thread reads it within its read deadline
    return;
  }
  back_from_thread(c);
  respond(
      c,
      reply_bytes(busy_reply("no API thread was free for " + in_seconds(settings_.answer_timeout) + " (api.threads)"),
                  c.version, false),
      Disposition{false, true});
}

void Connections::answering(const RequestTicket& ticket, Disposition disposition, std::string busy_reason) {
  loop_.post(
      [this, id = ticket.connection, request = ticket.request, disposition, reason = std::move(busy_reason)]() mutable {
        Connection* c = find(id);
        if (c == nullptr || c->request != request || (c->phase != Phase::queued && c->phase != Phase::with_thread))
          return;
        back_from_thread(*c);
        c->phase = Phase::answering;
        c->disposition = disposition;
        c->busy_reason = std::move(reason);
        arm(*c, Clock::now() + settings_.answer_timeout);
      });
}

void Connections::reply(const RequestTicket& ticket, Disposition disposition, std::string bytes,
                        std::shared_ptr<ReplyStream> stream) {
  loop_.post([this, id = ticket.connection, request = ticket.request, disposition, bytes = std::move(bytes),
              stream = std::move(stream)]() mutable {
    Connection* c = find(id);
    if (c == nullptr || c->request != request) return;
    if (c->phase == Phase::queued || c->phase == Phase::with_thread) {
      back_from_thread(*c);
    } else if (c->phase != Phase::answering) {
      return;  // answered 503 meanwhile: the late reply is dropped
    }
    respond(*c, std::move(bytes), disposition, std::move(stream));
  });
}

void Connections::released(const RequestTicket& ticket) {
  loop_.post([this, id = ticket.connection, request = ticket.request] {
    Connection* c = find(id);
    if (c == nullptr || c->request != request) return;
    if (c->phase == Phase::queued || c->phase == Phase::with_thread) close(*c, true);
  });
}

}  // namespace weft::daemon
