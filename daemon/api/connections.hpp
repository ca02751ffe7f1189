// The API's connections, held on its event loop: accepting them within
// limits per client address and in all, waiting for each request's head (and
// a small body) with a deadline before a request thread sees it, sending
// replies and streamed bodies without blocking, and closing idle, slow and
// finished connections. A request thread holds a connection only from a
// complete head until its request is read; everything else happens here.
#pragma once

#include "api/event_loop.hpp"
#include "api/reply_bytes.hpp"
#include "api/request_head.hpp"
#include "api/request_pool.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace weft::daemon {

struct ConnectionSettings {
  size_t max_connections = 1024;                     // in all; more are closed at once
  size_t max_per_client = 32;                        // from one client address; more are answered 429
  std::chrono::milliseconds read_timeout{10'000};    // a request's head (and a small body), from its first byte
  std::chrono::milliseconds answer_timeout{10'000};  // a request waiting for a thread, the store or the scheduler
  std::chrono::milliseconds idle_timeout{30'000};    // a kept-alive connection between requests
  std::chrono::milliseconds send_timeout{30'000};    // a client that reads nothing of what is sent to it
  size_t max_head_bytes = 32 * 1024;                 // a longer head is refused
  size_t awaited_body_bytes = 64 * 1024;             // a body up to this size is awaited here, not on a thread
  size_t max_body_bytes = 1024 * 1024;               // a body declared larger is refused without reading it
  int slow_body_threads = 2;  // request threads that may wait for a body at once (chunked, large, 100-continue)
};

// A request handed to a request thread. The thread owns the socket (blocking)
// until it has read the request; then it gives the connection back with
// answering(), reply() or released().
struct RequestTicket {
  enum State { queued, taken, expired };

  uint64_t connection = 0;
  uint64_t request = 0;  // its number on the connection
  Poco::Net::StreamSocket socket;
  EventLoop::Clock::time_point read_deadline;  // the request's bytes must have arrived by then
  bool body_awaited = false;                   // the whole body is in the socket's buffer already
  std::atomic<int> state{queued};
  bool detached = false;  // set by the thread: Poco's session will not close the socket

  // The thread's claim; false when the loop has answered it meanwhile.
  bool take() {
    int expected = queued;
    return state.compare_exchange_strong(expected, taken);
  }
};

// What the connection loop asks of the API server.
class RequestHandling {
 public:
  // Loop thread: the reply to a request that needs neither the store nor the
  // scheduler (/healthz, /readyz), or nullopt to hand it to a request thread.
  virtual std::optional<ApiReply> answer_at_once(const RequestHead& head) = 0;
  // A request thread: read the request and answer it.
  virtual void serve(const std::shared_ptr<RequestTicket>& ticket) = 0;

 protected:
  ~RequestHandling() = default;
};

class Connections {
 public:
  // listener: bound and listening. Every argument outlives this object.
  Connections(EventLoop& loop, RequestPool& pool, RequestHandling& handling, const Poco::Net::ServerSocket& listener,
              ConnectionSettings settings);
  ~Connections();
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;

  // Before start(): accepted connections go to `divert` (e.g. TLS's handshake)
  // instead of straight to adopt().
  void divert_accepted(std::function<void(int fd, const std::string& client)> divert) { divert_ = std::move(divert); }

  // Loop thread.
  void start();
  // Takes a connected, non-blocking socket whose bytes are HTTP, within the
  // limits in all and per client address.
  void adopt(int fd, const std::string& client);
  // Stops accepting and closes every connection that no request thread holds.
  void stop_accepting();
  void close_all();

  // Request threads. The request was read and the thread keeps answering it:
  // if its reply is not there within answer_timeout, the loop answers 503
  // "weftd is busy: <busy_reason>" and drops the reply when it comes.
  void answering(const RequestTicket& ticket, Disposition disposition, std::string busy_reason);
  // The reply's bytes (head and body, see reply_bytes()), and its stream if it has one.
  void reply(const RequestTicket& ticket, Disposition disposition, std::string bytes,
             std::shared_ptr<ReplyStream> stream);
  // The thread is done and did not take the socket from its Poco session,
  // which has closed it (Poco answered a malformed request itself).
  void released(const RequestTicket& ticket);

 private:
  struct Connection;
  class Output;
  enum class Phase { reading, queued, with_thread, answering, writing, streaming, lingering };

  void accept_all();
  void pause_accepting();
  void on_event(uint64_t id, uint32_t events);
  void on_timer(uint64_t id);
  void arm(Connection& c, EventLoop::Clock::time_point when);
  void read_head(Connection& c);
  void dispatch(Connection& c, bool slow_body);
  void back_from_thread(Connection& c);
  void expire_queued(Connection& c);
  void respond(Connection& c, std::string bytes, Disposition disposition, std::shared_ptr<ReplyStream> stream = {});
  void refuse(Connection& c, const ApiError& error);
  void pump(Connection& c);
  void schedule_pump(Connection& c);
  void finish_reply(Connection& c);
  void start_reading(Connection& c);
  void linger(Connection& c);
  void discard_input(Connection& c);
  void close(Connection& c, bool closed_by_poco = false);
  void wake_slow_body_waiters();
  Connection* find(uint64_t id);

  EventLoop& loop_;
  RequestPool& pool_;
  RequestHandling& handling_;
  Poco::Net::ServerSocket listener_;
  const ConnectionSettings settings_;
  bool accepting_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::string, size_t> per_client_;
  int slow_body_readers_ = 0;
  std::deque<uint64_t> slow_body_waiters_;
  std::function<void(int fd, const std::string& client)> divert_;
  std::string peek_buffer_;
  EventLoop::Clock::time_point last_refusal_log_{};
};

}  // namespace weft::daemon
