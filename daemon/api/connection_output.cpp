// The sending half of Connections: replies, streamed bodies, closing.
#include "api/connection_state.hpp"
#include "api/connections.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace weft::daemon {

using Clock = EventLoop::Clock;

namespace {

constexpr auto kLingerTime = std::chrono::seconds(2);

}  // namespace

void Connections::refuse(Connection& c, const ApiError& error) {
  respond(c, reply_bytes(error_reply(error), c.version, false), Disposition{false, true});
}

void Connections::respond(Connection& c, std::string bytes, Disposition disposition,
                          std::shared_ptr<ReplyStream> stream) {
  loop_.cancel(c.timer);
  c.timer = 0;
  c.disposition = disposition;
  c.out = std::move(bytes);
  c.sent = 0;
  c.last_progress = Clock::now();
  c.phase = Phase::writing;
  if (stream) {
    c.phase = Phase::streaming;
    c.chunked = c.version != "HTTP/1.0";
    if (!c.chunked) c.disposition.keep_alive = false;  // the body ends with the connection
    c.stream_ended = false;
    c.stream = std::move(stream);
    c.output = std::make_unique<Output>(*this, c);
    c.stream->open(*c.output);
  }
  pump(c);
}

void Connections::schedule_pump(Connection& c) {
  if (c.pump_scheduled) return;
  c.pump_scheduled = true;
  loop_.post([this, id = c.id] {
    Connection* found = find(id);
    if (found == nullptr) return;
    found->pump_scheduled = false;
    if (found->phase == Phase::writing || found->phase == Phase::streaming) pump(*found);
  });
}

void Connections::pump(Connection& c) {
  for (;;) {
    while (c.sent < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += static_cast<size_t>(n);
        c.last_progress = Clock::now();
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && would_block()) {
        if (c.sent > kStreamBuffer) {
          c.out.erase(0, c.sent);
          c.sent = 0;
        }
        if (c.timer == 0) arm(c, c.last_progress + settings_.send_timeout);
        return;
      } else {
        return close(c);
      }
    }
    c.out.clear();
    c.sent = 0;
    if (c.phase == Phase::streaming && !c.stream_ended) {
      c.stream->resume();
      if (c.out.empty() && !c.stream_ended) return;  // quiet until the stream writes again
      continue;
    }
    return finish_reply(c);
  }
}

void Connections::finish_reply(Connection& c) {
  if (c.stream) {
    auto stream = std::move(c.stream);
    stream->close();
  }
  c.output.reset();
  if (c.disposition.keep_alive && !c.disposition.linger && !c.peer_closed && accepting_) return start_reading(c);
  linger(c);
}

// Closing a socket with unread input makes the kernel reset the connection,
// which can destroy the reply before the client has read it: shut down our
// side, then read (and drop) what the client still sends, for a moment.
void Connections::linger(Connection& c) {
  ::shutdown(c.fd, SHUT_WR);
  c.phase = Phase::lingering;
  arm(c, Clock::now() + kLingerTime);
  discard_input(c);
}

void Connections::discard_input(Connection& c) {
  for (;;) {
    const ssize_t n = ::recv(c.fd, peek_buffer_.data(), peek_buffer_.size(), 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && would_block()) return;
    return close(c);
  }
}

void Connections::close(Connection& c, bool closed_by_poco) {
  loop_.cancel(c.timer);
  if (c.stream) {
    auto stream = std::move(c.stream);
    stream->close();
  }
  if (c.registered) loop_.remove(c.fd);
  if (c.ticket) {
    int expected = RequestTicket::queued;
    c.ticket->state.compare_exchange_strong(expected, RequestTicket::expired);
  }
  if (!closed_by_poco) {
    try {
      c.socket.close();
    } catch (const Poco::Exception&) {
      // Nothing more to do with it.
    }
  }
  if (c.counted) {
    const auto found = per_client_.find(c.client);
    if (--found->second == 0) per_client_.erase(found);
  }
  const bool freed_slot = c.slow_body;
  if (freed_slot) --slow_body_readers_;
  connections_.erase(c.id);  // c is gone from here on
  if (freed_slot) wake_slow_body_waiters();
}

void Connections::stop_accepting() {
  if (accepting_) loop_.remove(listener_.impl()->sockfd());
  accepting_ = false;
  listener_.close();
  std::vector<uint64_t> idle;
  for (const auto& [id, c] : connections_) {
    if (c->phase == Phase::reading || c->phase == Phase::lingering) idle.push_back(id);
  }
  for (const uint64_t id : idle) close(*find(id));
}

// After the request threads have stopped: nothing uses a socket any more.
void Connections::close_all() {
  std::vector<uint64_t> ids;
  for (const auto& [id, c] : connections_) ids.push_back(id);
  for (const uint64_t id : ids) {
    Connection* c = find(id);
    if (c == nullptr) continue;
    if (c->sent < c->out.size()) {  // one last try, for the end of a stream that weftd's stop ended
      [[maybe_unused]] const auto sent = ::send(c->fd, c->out.data() + c->sent, c->out.size() - c->sent, MSG_NOSIGNAL);
    }
    close(*c);
  }
}

}  // namespace weft::daemon
