// A fake argo-server for the tests of the argo executor: the REST API of
// Argo Workflows (the paths, methods, status codes and reply shapes of its
// swagger document, tests/fakes/argo_server/swagger.json) over HTTPS, with
// every request body checked against the document's definitions.
//
// It plays workflows of one container template, and workflows whose
// entrypoint is a DAG of container templates (dependencies, withParam over a
// JSON list or an upstream's output parameter, arguments into input
// parameters, one pod node a task or item in status.nodes, named as Argo
// names them). The container's command
// runs as a local process (in its own process group, with the container's
// env and workingDir; the image is not pulled, the machine plays it), its
// stdout and stderr interleaved in one log as a pod's are, its output
// parameters read from the files their valueFrom.path names. Phases go
// Pending -> Running -> Succeeded, Failed or Error; activeDeadlineSeconds,
// stop and terminate end the process group as Kubernetes ends a pod.
// Tests steer it: refuse the next requests with 429 or 503, rotate the
// token, make a workflow vanish.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fake_https_server.hpp"
#include "swagger_schema.hpp"

namespace weft::fakes {

class ArgoFake {
 public:
  struct Options {
    std::filesystem::path dir;                   // exists; holds the certificate and the pods' logs
    std::string token;                           // the bearer token requests must carry; empty: none
    std::chrono::milliseconds kill_grace{1000};  // between SIGTERM and SIGKILL when a pod is stopped
  };

  explicit ArgoFake(Options options);
  // Kills every process still running.
  ~ArgoFake();
  ArgoFake(const ArgoFake&) = delete;
  ArgoFake& operator=(const ArgoFake&) = delete;

  std::string url() const { return server_->url(); }
  const std::filesystem::path& ca_file() const { return server_->ca_file(); }
  FakeHttpsServer& server() { return *server_; }

  // Every request body that did not conform to the swagger document (each
  // was answered 400), and every request to a path or method the document
  // does not have, as "METHOD path: problem".
  std::vector<std::string> violations() const;
  // The requests answered so far by method and route, e.g. "GET list".
  int calls(const std::string& what) const;
  // The workflow as the server holds it; nullopt if there is none.
  std::optional<nlohmann::json> workflow(const std::string& name) const;
  // The workflow disappears as if someone deleted it behind weft's back.
  void vanish(const std::string& name);

 private:
  // A workflow and what plays it (its one pod, or its DAG's pods).
  struct Pod {
    nlohmann::json workflow;
    std::filesystem::path log;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::string stop_strategy;  // "Stop" or "Terminate" once asked
    bool ended = false;
    bool vanished = false;
  };
  FakeReply handle(const FakeRequest& request);
  FakeReply create(const std::string& ns, const FakeRequest& request);
  FakeReply list(const std::string& ns, const FakeRequest& request);
  FakeReply get(const std::string& ns, const std::string& name);
  FakeReply stop(const std::string& ns, const std::string& name, const FakeRequest& request, bool terminate);
  FakeReply remove(const std::string& ns, const std::string& name);
  FakeReply log(const std::string& ns, const std::string& name, const FakeRequest& request);
  std::optional<FakeReply> refuse_body(const FakeRequest& request, const std::string& definition, nlohmann::json& body);
  void run_pod(const std::string& name);
  // DAG workflows (argo_fake_dag.cpp).
  static std::optional<std::string> dag_problem(const nlohmann::json& spec);
  void run_dag(const std::string& name);
  void finish(Pod& pod, const std::string& phase, const std::string& message, std::optional<int> exit_code);
  void note(const std::string& what);

  Options options_;
  SwaggerSchema schema_;
  std::unique_ptr<FakeHttpsServer> server_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool closing_ = false;
  std::atomic<bool> stopping_streams_{false};         // ends the log streams that follow pods
  std::map<std::string, std::shared_ptr<Pod>> pods_;  // by workflow name
  std::vector<std::thread> runners_;
  std::vector<std::string> violations_;
  std::map<std::string, int> calls_;
  uint64_t next_uid_ = 1;
  uint64_t resource_version_ = 1;
};

}  // namespace weft::fakes
