#include "api/api_server.hpp"

#include "api/api_error.hpp"
#include "api/ogc/ogc_documents.hpp"
#include "api/reply_bytes.hpp"
#include "api/representation.hpp"
#include "api/request_target.hpp"

#include <Poco/Buffer.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <future>

namespace weft::daemon {

using Clock = EventLoop::Clock;
using Poco::Net::HTTPServerRequest;

namespace {

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Backlog for bursts of connections; the kernel caps it at somaxconn.
constexpr int kListenBacklog = 1024;

Poco::Net::ServerSocket bind(const std::string& listen) {
  try {
    return Poco::Net::ServerSocket(Poco::Net::SocketAddress(listen), kListenBacklog);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on '" + listen + "': " + e.displayText());
  }
}

std::string in_seconds(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// Connections beyond what the descriptor limit leaves room for (tasks need
// descriptors too) would fail anyway.
size_t connection_limit(size_t configured) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return configured;
  const size_t room = std::max<size_t>(64, static_cast<size_t>(limit.rlim_cur) / 2);
  if (room < configured) {
    spdlog::warn("serving at most {} API connections, not {} (api.max_connections): the descriptor limit is {}", room,
                 configured, limit.rlim_cur);
  }
  return std::min(configured, room);
}

ConnectionSettings connection_settings(const ApiSettings& api) {
  ConnectionSettings settings;
  settings.max_connections = connection_limit(api.max_connections);
  settings.max_per_client = api.max_connections_per_client;
  settings.read_timeout = api.read_timeout;
  settings.answer_timeout = api.answer_timeout;
  settings.max_body_bytes = api.max_body_bytes;
  settings.slow_body_threads = std::max(1, api.threads / 4);
  return settings;
}

bool has_body(const HTTPServerRequest& request) {
  return request.getChunkedTransferEncoding() || (request.hasContentLength() && request.getContentLength64() > 0);
}

ApiError too_large(size_t limit) {
  return ApiError(fail(ErrorCode::payload_too_large,
                       "the request body is larger than the limit of " + std::to_string(limit) + " bytes"));
}

// Limits each read of the socket to what is left of the request's deadline,
// so that a body trickling in cannot hold the thread past it.
void limit_reads(Poco::Net::StreamSocket& socket, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
  socket.setReceiveTimeout(Poco::Timespan(std::max<int64_t>(left, 1000)));
}

// Reads what is left of a body that the reply did not need; returns whether it ended.
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

std::string busy_reason(Waits waits, std::chrono::milliseconds timeout) {
  const std::string within = " within " + in_seconds(timeout) + " (api.answer_timeout_s)";
  if (waits == Waits::scheduler) {
    return "the scheduler did not answer" + within +
           "; the change may still be made (a run request repeated with the same idempotency_key returns the run "
           "if it was created)";
  }
  return "the store did not answer" + within;
}

}  // namespace

ApiServer::ApiServer(Commands& commands, const StoreClient& store, const NodeCatalog& catalog,
                     PluginLister list_plugins, ReadinessCheck is_ready, ApiSettings settings)
    : settings_(std::move(settings)),
      store_(store),
      verifier_(store, wall_clock_ms),
      audit_(commands, wall_clock_ms),
      logs_(loop_, store, pool_, settings_.state_dir),
      events_(loop_, settings_.event_history),
      endpoints_(EndpointContext{commands, store, catalog, std::move(list_plugins), std::move(is_ready), logs_,
                                 [this] { return limits().documents; },
                                 [this] {
                                   const std::lock_guard lock(limits_mutex_);
                                   return reloader_;
                                 },
                                 events_, metrics_, settings_.peers, wall_clock_ms,
                                 [this] { verifier_.forget_verified(); },
                                 [this] {
                                   const std::lock_guard lock(identity_mutex_);
                                   return web_sign_in_;
                                 }}),
      ogc_(OgcContext{commands, store, run_ends_, settings_.answer_timeout * 4 / 5}),
      params_(new Poco::Net::HTTPServerParams),
      pool_(settings_.threads) {
  endpoints_.add_to(router_);
  ogc_.add_to(router_);
  params_->setKeepAlive(true);
  params_->setTimeout(
      Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(settings_.read_timeout).count()));
  auto listener = bind(settings_.listen);
  port_ = listener.address().port();
  RequestHandling& handling = *this;  // a private base: converted here, where it is accessible
  const ConnectionSettings limits = connection_settings(settings_);
  connections_ = std::make_unique<Connections>(loop_, pool_, handling, listener, limits);
  if (settings_.tls) {
    auto context = TlsContext::load(*settings_.tls);
    spdlog::info("the API speaks HTTPS only, with {}", context->summary());
    tls_ = std::make_unique<TlsRelay>(
        loop_, std::move(context),
        [this](int plain_fd, const std::string& client) { connections_->adopt(plain_fd, client); },
        settings_.read_timeout, limits.max_connections);
    connections_->divert_accepted([this](int fd, const std::string& client) { tls_->accept(fd, client); });
  }
}

void ApiServer::reload_tls(const TlsFiles& files) {
  if (!tls_) throw std::runtime_error("the API was started without TLS: turning it on needs a restart");
  auto context = TlsContext::load(files);
  spdlog::info("the API's TLS files were read again: {}", context->summary());
  tls_->set_context(std::move(context));
}

ApiServer::~ApiServer() { stop(); }

ApiLimits ApiServer::limits() const {
  const std::lock_guard lock(limits_mutex_);
  return limits_;
}

void ApiServer::set_limits(const ApiLimits& updated) {
  {
    const std::lock_guard lock(limits_mutex_);
    limits_ = updated;
  }
  token_rate_.set_limit(updated.max_requests_per_token_per_s);
}

void ApiServer::set_reloader(Reloader reloader) {
  const std::lock_guard lock(limits_mutex_);
  reloader_ = std::move(reloader);
}

void ApiServer::start() {
  if (started_ || stopped_) return;
  started_ = true;
  loop_.post([this] {
    logs_.start();
    events_.start();
    connections_->start();
  });
  loop_thread_ = std::thread([this] { loop_.run(); });
  spdlog::info("serving the API on {} (port {})", settings_.listen, port_);
}

void ApiServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!started_) return pool_.stop();
  loop_.post([this] {
    connections_->stop_accepting();
    logs_.stop();
    events_.stop();
  });
  pool_.stop();
  std::promise<void> closed;
  loop_.post([this, &closed] {
    connections_->close_all();
    if (tls_) tls_->close_all();
    closed.set_value();
  });
  closed.get_future().wait();
  loop_.stop();
  loop_thread_.join();
}

void ApiServer::stored(const std::shared_ptr<const WriteBatch>& batch, std::chrono::nanoseconds commit_time) {
  metrics_.store_committed(commit_time);
  if (batch->tasks.empty() && batch->runs.empty()) return;
  loop_.post([this, batch] { publish(*batch); });
}

void ApiServer::publish(const WriteBatch& batch) {
  const auto transitions = transitions_.apply(batch);
  metrics_.count(transitions);
  for (const auto* run : transitions.runs) {
    if (sdk::is_final(run->status)) run_ends_.ended(run->id);
  }
  for (const auto* task : transitions.tasks) {
    logs_.task_updated({task->run_id, task->node, task->index, task->attempt, task->status});
  }
  events_.publish(transitions);
}

// On the connection loop: /healthz and /readyz, which must answer while every
// request thread is busy.
std::optional<ApiReply> ApiServer::answer_at_once(const RequestHead& head) {
  if (head.method != "GET") return std::nullopt;
  try {
    auto target = RequestTarget::parse(head.target);
    auto match = router_.find(head.method, target.segments);
    if (match.route->waits != Waits::nothing) return std::nullopt;
    return match.route->endpoint(ApiRequest{head.method, std::move(match.captures), std::move(target.query), "", ""});
  } catch (const std::exception&) {
    return std::nullopt;  // a request thread answers it, as any other
  }
}

// Poco reads the request on this thread. An error it raises (or one of ours
// that escapes handle) is answered in the API's JSON error form, never with
// Poco's empty body; a connection that broke or timed out gets nothing.
void ApiServer::serve(const std::shared_ptr<RequestTicket>& ticket) {
  Poco::Net::HTTPServerSession session(ticket->socket, params_);
  std::optional<ApiError> failure;
  try {
    Poco::Net::HTTPServerResponseImpl response(session);
    Poco::Net::HTTPServerRequestImpl request(response, session, params_);
    response.setVersion(request.getVersion());
    if (request.getExpectContinue()) response.sendContinue();
    handle(request, *ticket);
  } catch (const Poco::Net::MessageException& e) {
    failure = ApiError(fail(ErrorCode::invalid_request, "a malformed request: " + e.displayText()));
  } catch (const Poco::Exception& e) {
    spdlog::debug("an API connection from a request thread: {}", e.displayText());
  } catch (const std::exception& e) {
    spdlog::error("an API request thread: {}", e.what());
    failure = ApiError(fail(ErrorCode::internal, "internal error; weftd's log has the details"));
  }
  if (ticket->detached) return;
  if (!failure) return connections_->released(*ticket);  // the session closes the socket
  session.detachSocket();
  ticket->detached = true;
  connections_->reply(*ticket, Disposition{false, true},
                      reply_bytes(error_reply(*failure), Poco::Net::HTTPMessage::HTTP_1_1, false), {});
}

// Reads the request through Poco, then gives the socket back to the
// connection loop before anything can wait: from then on a slow store or
// scheduler holds this thread (up to answer_timeout for the client, which
// the loop answers 503 after that), never the connection.
void ApiServer::handle(Poco::Net::HTTPServerRequestImpl& request, RequestTicket& ticket) {
  const std::string request_line = request.getMethod() + " " + request.getURI();
  const std::string version = request.getVersion();
  const std::string authorization = request.get("Authorization", "");  // a copy: get() may return its argument
  const std::string last_event_id = request.get("Last-Event-ID", "");
  // Under /ogc, errors are the exception documents of OGC API – Processes.
  const auto failed = is_ogc_target(request.getURI()) ? exception_reply : error_reply;
  Disposition disposition{request.getKeepAlive(), false};
  const Route* route = nullptr;
  ApiRequest api_request;
  std::optional<ApiReply> early;
  bool body_read = false;
  try {
    auto target = RequestTarget::parse(request.getURI());
    auto match = router_.find(request.getMethod(), target.segments);
    route = match.route;
    api_request = ApiRequest{request.getMethod(), std::move(match.captures), std::move(target.query),
                             read_body(request, ticket), last_event_id};
    api_request.authorization = authorization;
    api_request.forwarded_by = request.get(kForwardedByHeader, "");
    api_request.prefer = request.get("Prefer", "");
    api_request.base_url = base_url(request);
    body_read = true;
  } catch (const ApiError& e) {
    early = failed(e);
  }
  // What is left of a body must not be taken for the next request. One that
  // has arrived whole is read here; otherwise the connection closes after the
  // reply (lingering, so that the reply is not lost to a reset).
  if (has_body(request) && !body_read) {
    const bool consumed = !declares_too_large(request) && ticket.body_awaited && discard_rest_of_body(request);
    if (!consumed) disposition = Disposition{false, true};
  }
  Poco::Buffer<char> read_ahead(0);
  request.session().drainBuffer(read_ahead);
  if (read_ahead.size() > 0) disposition = Disposition{false, true};  // pipelined requests are not served
  request.detachSocket();
  ticket.detached = true;

  if (early) return connections_->reply(ticket, disposition, reply_bytes(*early, version, disposition.keep_alive), {});
  connections_->answering(ticket, disposition, busy_reason(route->waits, settings_.answer_timeout));
  ApiReply reply;
  try {
    reply = answer(*route, api_request, authorization);
  } catch (const ApiError& e) {
    reply = failed(e);
  } catch (const StoreError& e) {
    spdlog::warn("{}: the store did not answer: {}", request_line, e.what());
    reply = failed(ApiError(fail(ErrorCode::unavailable, std::string("the store did not answer: ") + e.what())));
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", request_line, e.what());
    reply = failed(ApiError(fail(ErrorCode::internal, "internal error; weftd's log has the details")));
  }
  audit_.record(*route, api_request, reply);
  auto bytes = reply_bytes(reply, version, disposition.keep_alive);
  connections_->reply(ticket, disposition, std::move(bytes), std::move(reply.stream));
}

ApiReply ApiServer::answer(const Route& route, ApiRequest& request, const std::string& authorization) {
  if (settings_.auth_enabled && route.required_role) authorize(authorization, route, request);
  if (route.waits != Waits::scheduler) return route.endpoint(request);
  // Requests waiting for the scheduler may hold at most half of the threads,
  // so that reads go on while it is slow (its store full, for one).
  struct Waiting {
    std::atomic<int>& count;
    ~Waiting() { --count; }
  } waiting{waiting_for_scheduler_};
  const int most = std::max(1, settings_.threads / 2);
  if (++waiting_for_scheduler_ > most) {
    throw ApiError(fail(ErrorCode::unavailable, "weftd is busy: " + std::to_string(most) +
                                                    " requests are waiting for the scheduler already; try again "
                                                    "later"));
  }
  return route.endpoint(request);
}

// The Host header says how the client reached weftd (through a proxy, say);
// without one, the address weftd listens on.
std::string ApiServer::base_url(const HTTPServerRequest& request) const {
  const std::string& host = request.getHost();
  return std::string(settings_.tls ? "https://" : "http://") +
         (host.empty() ? "127.0.0.1:" + std::to_string(port_) : host);
}

bool ApiServer::declares_too_large(const HTTPServerRequest& request) const {
  return request.hasContentLength() && static_cast<uint64_t>(request.getContentLength64()) > settings_.max_body_bytes;
}

// Content-Length is checked before anything is read; a chunked body is read
// up to one byte past the limit. Each read waits only for what is left of the
// request's read deadline.
std::string ApiServer::read_body(HTTPServerRequest& request, const RequestTicket& ticket) const {
  const size_t limit = settings_.max_body_bytes;
  if (!has_body(request)) return {};
  if (declares_too_large(request)) throw too_large(limit);
  auto& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
  std::string body;
  std::array<char, 16 * 1024> buffer{};
  try {
    auto& in = request.stream();
    while (body.size() <= limit) {
      if (Clock::now() >= ticket.read_deadline) {
        throw ApiError(
            408, "request_timeout",
            "the request body did not arrive within " + in_seconds(settings_.read_timeout) + " (api.read_timeout_s)");
      }
      limit_reads(socket, ticket.read_deadline);
      if (in.peek() == std::char_traits<char>::eof()) break;  // at most one read of the socket
      const auto n =
          in.readsome(buffer.data(), static_cast<std::streamsize>(std::min(buffer.size(), limit + 1 - body.size())));
      body.append(buffer.data(), static_cast<size_t>(n));
    }
    if (in.bad()) {
      // The stream turns a socket's timeout into badbit.
      if (Clock::now() >= ticket.read_deadline) {
        throw ApiError(
            408, "request_timeout",
            "the request body did not arrive within " + in_seconds(settings_.read_timeout) + " (api.read_timeout_s)");
      }
      raise(ErrorCode::invalid_request, "the request body could not be read");
    }
  } catch (const Poco::Exception& e) {
    raise(ErrorCode::invalid_request, "the request body could not be read: " + e.displayText());
  }
  if (body.size() > limit) throw too_large(limit);
  return body;
}

}  // namespace weft::daemon
