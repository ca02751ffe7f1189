// weftd's HTTP API (docs/api.md). Poco reads each request and writes each
// reply's head; around it, the API keeps every connection on an event loop
// of its own (connections.hpp) and hands one to a request thread only once its
// request head has arrived, and only until the request is read. State changes
// go through Commands, reads to the store; both are waited for on request
// threads, within api.answer_timeout_s. Log followers are streams on the loop
// (log_follow.hpp) and hold no thread, as are event streams (event_hub.hpp),
// fed by the scheduler's stored changes (SchedulerObserver).
#pragma once

#include "api/api_settings.hpp"
#include "api/audit_trail.hpp"
#include "api/connections.hpp"
#include "api/endpoints.hpp"
#include "api/event_hub.hpp"
#include "api/event_loop.hpp"
#include "api/exchange.hpp"
#include "api/log_follow.hpp"
#include "api/metrics.hpp"
#include "api/ogc/ogc_face.hpp"
#include "api/ogc/run_ends.hpp"
#include "api/request_pool.hpp"
#include "api/router.hpp"
#include "api/task_updates.hpp"
#include "api/token_rate.hpp"
#include "api/transitions.hpp"
#include "auth/oidc_identity.hpp"
#include "auth/policy_hook.hpp"
#include "auth/token_verifier.hpp"
#include "scheduler/observer.hpp"

#include <Poco/Net/HTTPServerParams.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerRequestImpl;
}  // namespace Poco::Net

namespace weft::daemon {

class ApiServer final : public SchedulerObserver, private RequestHandling {
 public:
  // Binds the listen address (and loads the TLS files) at once; throws
  // std::runtime_error naming what failed. Every argument outlives the server.
  ApiServer(Commands& commands, const StoreClient& store, const NodeCatalog& catalog, PluginLister list_plugins,
            ReadinessCheck is_ready, ApiSettings settings);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void start();
  // Stops accepting, ends log streams, waits for the requests being answered
  // (a request waiting for the scheduler is waited for to its end), and
  // closes every connection. Idempotent; the destructor calls it.
  void stop();
  // Any thread: what a reload changed.
  void set_limits(const ApiLimits& updated);
  // Offers POST /api/v1/plugins/reload; without one it answers 503.
  void set_reloader(Reloader reloader);
  // Any thread: connections from now on use these TLS files (rotated
  // certificates are read again). Throws std::runtime_error, changing
  // nothing, if they cannot be used, or if the server was started without TLS.
  void reload_tls(const TlsFiles& files);

  // Any thread: JWTs of this identity provider are accepted from now on;
  // none with nullptr.
  void set_oidc(std::shared_ptr<const OidcIdentity> oidc);
  // Any thread: what GET /api/v1/sign-in tells the web page from now on, and
  // the token endpoint the page's CSP lets it reach.
  void set_web_sign_in(const WebSignInSettings& web);
  // Any thread: requests are also asked of this policy engine from now on
  // (none when !policy.enabled()).
  void set_policy(const PolicySettings& policy);

  // The port bound, also when the listen address asked for port 0.
  uint16_t port() const { return port_; }
  const Router& router() const { return router_; }

  // Any thread, never blocks: the scheduler's word that a task changed (its
  // status or attempt). Log followers end and move to new attempts by it.
  void task_updated(const TaskUpdate& update) { logs_.task_updated(update); }

  // The scheduler's loop, never blocks: stored transitions become events,
  // log followers' updates and metrics.
  void stored(const std::shared_ptr<const WriteBatch>& batch, std::chrono::nanoseconds commit_time) override;
  void submit_failed(const std::string& executor) override { metrics_.submit_failed(executor); }

 private:
  std::optional<ApiReply> answer_at_once(const RequestHead& head) override;
  void serve(const std::shared_ptr<RequestTicket>& ticket) override;
  // On a request thread, once Poco has read the head: reads the body, gives
  // the socket back to the connection loop, then answers.
  void handle(Poco::Net::HTTPServerRequestImpl& request, RequestTicket& ticket);
  ApiReply answer(const Route& route, ApiRequest& request, const std::string& authorization);
  void publish(const WriteBatch& batch);  // loop thread
  // Sets request.caller to the token's holder (also when its token expired)
  // before it refuses anything.
  void authorize(const std::string& authorization, const Route& route, ApiRequest& request);
  // Sets request.caller to the holder of token, a weft token or a JWT.
  void identify(const std::string& token, ApiRequest& request);
  // Throws ApiError 403 when the policy engine (api.policy) denies the request.
  void ask_policy(const Route& route, const ApiRequest& request);
  std::optional<std::string> workflow_of(const Route& route, const ApiRequest& request) const;
  ApiLimits limits() const;
  std::string read_body(Poco::Net::HTTPServerRequest& request, const RequestTicket& ticket) const;
  bool declares_too_large(const Poco::Net::HTTPServerRequest& request) const;
  std::string base_url(const Poco::Net::HTTPServerRequest& request) const;

  const ApiSettings settings_;
  const StoreClient& store_;
  TokenVerifier verifier_;
  mutable std::mutex identity_mutex_;         // guards oidc_, web_sign_in_ and policy_; each is used without it
  std::shared_ptr<const OidcIdentity> oidc_;  // nullptr: JWTs are refused
  WebSignInSettings web_sign_in_;
  std::shared_ptr<PolicyHook> policy_;  // nullptr: no policy engine is asked
  AuditTrail audit_;
  TokenRate token_rate_;
  mutable std::mutex limits_mutex_;  // guards limits_ and reloader_
  ApiLimits limits_;
  Reloader reloader_;
  EventLoop loop_;
  LogWatch logs_;
  EventHub events_;
  TransitionTracker transitions_;  // loop thread
  Metrics metrics_;
  Endpoints endpoints_;
  RunEnds run_ends_;
  OgcFace ogc_;
  Router router_;
  Poco::Net::HTTPServerParams::Ptr params_;
  std::unique_ptr<Connections> connections_;
  std::unique_ptr<TlsRelay> tls_;  // with api.tls: the listener's connections go through it first
  RequestPool pool_;               // after what its jobs use: stopped (and so destroyed) first
  std::atomic<int> waiting_for_scheduler_{0};
  uint16_t port_ = 0;
  std::thread loop_thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace weft::daemon
