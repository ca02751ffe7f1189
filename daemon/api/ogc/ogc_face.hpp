// OGC API – Processes – Part 1: Core at /ogc (docs/ogc.md): a second face
// over the same workflows (processes) and runs (jobs), with the roles,
// scopes and audit log of the rest of the API.
#pragma once

#include "api/exchange.hpp"
#include "api/ogc/run_ends.hpp"
#include "api/router.hpp"
#include "scheduler/commands.hpp"
#include "store/store_client.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace weft::daemon {

struct OgcContext {
  Commands& commands;
  const StoreClient& store;
  RunEnds& run_ends;
  // How long a synchronous execution waits for its run before it answers as
  // an asynchronous one would: within the API's answer timeout.
  std::chrono::milliseconds sync_wait;
};

class OgcFace {
 public:
  explicit OgcFace(OgcContext context) : context_(context) {}
  void add_to(Router& router);

 private:
  ApiReply landing_page(const ApiRequest& request) const;
  ApiReply conformance(const ApiRequest& request) const;
  ApiReply api_description(const ApiRequest& request) const;
  ApiReply list_processes(const ApiRequest& request) const;
  ApiReply describe_process(const ApiRequest& request) const;
  ApiReply execute(const ApiRequest& request) const;
  ApiReply list_jobs(const ApiRequest& request) const;
  ApiReply get_job(const ApiRequest& request) const;
  ApiReply job_results(const ApiRequest& request) const;
  ApiReply dismiss_job(const ApiRequest& request) const;

  WorkflowRecord existing_process(const ApiRequest& request, const std::string& id) const;
  RunRecord existing_job(const ApiRequest& request) const;
  // The job as the client sees it once it was created: 201 with its Location.
  ApiReply job_created(const ApiRequest& request, const std::string& run_id, bool preference_applied) const;

  OgcContext context_;
};

}  // namespace weft::daemon
