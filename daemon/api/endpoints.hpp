// The endpoints of docs/api.md: each turns an ApiRequest into an ApiReply, reading
// from the store and changing state only through Commands. They run on the
// HTTP server's threads, several at once, and keep no state of their own.
#pragma once

#include "api/api_settings.hpp"
#include "api/event_hub.hpp"
#include "api/exchange.hpp"
#include "api/log_follow.hpp"
#include "api/metrics.hpp"
#include "api/peer_forwarding.hpp"
#include "api/router.hpp"
#include "auth/identity_settings.hpp"
#include "plugin_host/plugin_info.hpp"
#include "scheduler/commands.hpp"
#include "store/store_client.hpp"
#include "workflow/node_catalog.hpp"

#include <functional>
#include <string>
#include <vector>

namespace weft::daemon {

using PluginLister = std::function<std::vector<PluginInfo>()>;
// Answered on the API's connection loop: it must not block.
using ReadinessCheck = std::function<bool()>;

// Everything the endpoints use; all of it outlives them.
struct EndpointContext {
  Commands& commands;
  const StoreClient& store;
  const NodeCatalog& catalog;
  PluginLister list_plugins;
  ReadinessCheck is_ready;
  LogWatch& logs;  // where log replies are followed
  std::function<DocumentLimits()> document_limits;
  std::function<Reloader()> reloader;  // the reloader to call; an empty one: reload is not offered
  EventHub& events;
  const Metrics& metrics;
  PeerSettings peers;
  std::function<int64_t()> now_ms;                 // the wall clock, ms since the epoch
  std::function<void()> tokens_changed;            // a token was issued or revoked: forget what was verified
  std::function<WebSignInSettings()> web_sign_in;  // api.oidc's, as the last reload left them
};

class Endpoints {
 public:
  explicit Endpoints(EndpointContext context);

  // Adds every endpoint, with the role it requires, to router.
  void add_to(Router& router);

 private:
  ApiReply healthz(const ApiRequest& request);
  ApiReply readyz(const ApiRequest& request);
  ApiReply list_plugins(const ApiRequest& request);
  ApiReply reload_plugins(const ApiRequest& request);
  ApiReply post_workflow(const ApiRequest& request);
  ApiReply put_workflow(const ApiRequest& request);
  ApiReply validate_workflow(const ApiRequest& request);
  ApiReply list_workflows(const ApiRequest& request);
  ApiReply get_workflow(const ApiRequest& request);
  ApiReply delete_workflow(const ApiRequest& request);
  ApiReply create_run(const ApiRequest& request);
  ApiReply create_adhoc_run(const ApiRequest& request);
  ApiReply start_run(const ApiRequest& request);
  ApiReply list_runs(const ApiRequest& request);
  ApiReply get_run(const ApiRequest& request);
  ApiReply list_tasks(const ApiRequest& request);
  ApiReply get_results(const ApiRequest& request);
  ApiReply get_logs(const ApiRequest& request);
  ApiReply cancel_run(const ApiRequest& request);
  ApiReply pause_run(const ApiRequest& request);
  ApiReply resume_run(const ApiRequest& request);
  ApiReply list_attempts(const ApiRequest& request);
  ApiReply retry_run(const ApiRequest& request);
  ApiReply run_node_again(const ApiRequest& request);
  ApiReply list_schedules(const ApiRequest& request);
  ApiReply pause_schedule(const ApiRequest& request);
  ApiReply resume_schedule(const ApiRequest& request);
  ApiReply list_instances(const ApiRequest& request);
  ApiReply metrics(const ApiRequest& request);
  ApiReply events(const ApiRequest& request);
  ApiReply run_events(const ApiRequest& request);
  ApiReply openapi(const ApiRequest& request);
  ApiReply docs_page(const ApiRequest& request);
  ApiReply docs_asset(const ApiRequest& request);
  ApiReply web_page(const ApiRequest& request);
  ApiReply web_page_asset(const ApiRequest& request);
  ApiReply whoami(const ApiRequest& request);
  ApiReply sign_in(const ApiRequest& request);
  ApiReply create_token(const ApiRequest& request);
  ApiReply list_tokens(const ApiRequest& request);
  ApiReply revoke_token(const ApiRequest& request);
  ApiReply list_audit(const ApiRequest& request);
  // Queues (endpoints_queues.cpp).
  ApiReply list_queues(const ApiRequest& request);
  ApiReply get_queue(const ApiRequest& request);
  ApiReply list_dead_messages(const ApiRequest& request);
  ApiReply push_message(const ApiRequest& request);
  ApiReply redrive(const ApiRequest& request);

  // A token scoped to workflows (token_scope.hpp) acts on those only: each
  // throws a 403 ApiError naming the scope when the request goes beyond it.
  static void require_scope(const ApiRequest& request, const std::string& workflow);
  static void require_unscoped(const ApiRequest& request, const std::string& what);
  void require_run_in_scope(const ApiRequest& request) const;

  ApiReply apply(const ApiRequest& request, const std::optional<std::string>& expected_name);
  ApiReply run_created(const RunRequest& run_request);
  // A command on one run ({id}, then action in the path), sent to the
  // instance that holds the run when that is another.
  ApiReply run_command(const ApiRequest& request, const char* action,
                       Status (Commands::*command)(const std::string& run_id));
  RunRecord existing_run(const std::string& id) const;
  QueueCounts existing_queue(const std::string& name) const;

  EndpointContext context_;
  PeerForwarding peers_;
};

}  // namespace weft::daemon
