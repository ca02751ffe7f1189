// The state of one API connection, shared by the two halves of Connections:
// connections.cpp (accepting, reading requests, handing them to threads) and
// connection_output.cpp (sending replies and streams, closing). Loop thread only.
#pragma once

#include "api/connections.hpp"

#include <sys/epoll.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

namespace weft::daemon {

// Edge-triggered: the loop only peeks at a head, so the data stays in the
// socket's buffer and a level-triggered EPOLLIN would report it again and again.
inline constexpr uint32_t kConnectionEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
inline constexpr size_t kStreamBuffer = 64 * 1024;  // what a streamed reply may have queued for a slow reader

inline bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK; }

inline std::string in_seconds(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

struct Connections::Connection {
  uint64_t id = 0;
  int fd = -1;
  Poco::Net::StreamSocket socket;  // shares Poco's SocketImpl with the request thread's session
  std::string client;              // the peer's address
  bool counted = false;            // against per_client_
  bool registered = false;         // with the loop
  Phase phase = Phase::reading;
  EventLoop::TimerId timer = 0;

  // The request being read or answered.
  uint64_t request = 0;
  std::optional<RequestHead> head;
  std::string version = "HTTP/1.1";
  bool fresh = true;  // no request yet: the read deadline runs from the accept
  bool first_byte = false;
  EventLoop::Clock::time_point read_deadline;
  bool peer_closed = false;  // the client shut down its side
  bool slow_body = false;    // holds one of the slow-body threads
  bool waiting_for_slot = false;
  std::shared_ptr<RequestTicket> ticket;
  Disposition disposition;
  std::string busy_reason;

  // The reply on its way.
  std::string out;
  size_t sent = 0;
  EventLoop::Clock::time_point last_progress;
  std::shared_ptr<ReplyStream> stream;
  std::unique_ptr<Output> output;
  bool chunked = false;
  bool stream_ended = false;
  bool pump_scheduled = false;
};

class Connections::Output : public StreamOutput {
 public:
  Output(Connections& owner, Connection& connection) : owner_(owner), c_(connection) {}
  size_t room() const override {
    const size_t queued = c_.out.size() - c_.sent;
    return queued >= kStreamBuffer ? 0 : kStreamBuffer - queued;
  }
  void write(std::string_view bytes) override {
    if (c_.stream_ended || bytes.empty()) return;
    if (c_.chunked) {
      c_.out += chunk(bytes);
    } else {
      c_.out.append(bytes);
    }
    owner_.schedule_pump(c_);
  }
  void end() override {
    if (c_.stream_ended) return;
    c_.stream_ended = true;
    if (c_.chunked) c_.out.append(kLastChunk);
    owner_.schedule_pump(c_);
  }

 private:
  Connections& owner_;
  Connection& c_;
};

}  // namespace weft::daemon
