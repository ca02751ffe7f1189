// A fake of the Cloud Run Admin API v2 (Jobs, Executions, Operations) and of
// Cloud Logging's entries:list, for the tests of the cloudrun executor: the
// paths, methods, status codes and reply shapes of the protos in proto/
// (their google.api.http rules and the proto3 JSON mapping) over HTTPS,
// every request body checked against the proto's message (a body that does
// not conform is answered 400 and recorded as a violation), and the
// metadata server's and a service-account key's token endpoints
// (google_auth_fake.hpp), whose tokens every API request must carry.
//
// It plays executions of one task: the job's container (with the run's
// overrides of args, env and timeout) runs as a local process
// (local_container.hpp); its stdout and stderr lines become log entries
// labelled with the execution's name when it ends, as Cloud Run's logging
// agent writes them. Tests steer it: 429/503 on the next requests, tokens
// revoked or short-lived, executions that vanish; the project "forbidden"
// answers 403 and any project but the fake's 404.
#pragma once

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
#include "google_auth_fake.hpp"
#include "swagger_schema.hpp"

namespace weft::fakes {

class CloudRunFake {
 public:
  struct Options {
    std::filesystem::path dir;  // exists; holds the certificate, the key file and the containers' output
    std::string project = "weft-tests";
    std::chrono::milliseconds kill_grace{1000};  // between SIGTERM and SIGKILL when a task is stopped
  };
  static constexpr const char* kForbiddenProject = "forbidden";

  explicit CloudRunFake(Options options);
  // Kills every process still running.
  ~CloudRunFake();
  CloudRunFake(const CloudRunFake&) = delete;
  CloudRunFake& operator=(const CloudRunFake&) = delete;

  // The Admin API's, Cloud Logging's and the metadata server's URL: the fake serves all three.
  std::string url() const { return server_->url(); }
  const std::filesystem::path& ca_file() const { return server_->ca_file(); }
  FakeHttpsServer& server() { return *server_; }
  GoogleAuthFake& auth() { return *auth_; }
  const std::string& project() const { return options_.project; }

  // Every request that did not conform to the protos, as "METHOD path: problem".
  std::vector<std::string> violations() const;
  // Requests answered so far by route, e.g. "POST run", "GET executions".
  int calls(const std::string& what) const;
  // The execution (full resource name) as the fake holds it; nullopt if there is none.
  std::optional<nlohmann::json> execution(const std::string& name) const;
  // The execution disappears as if someone deleted it behind weft's back.
  void vanish(const std::string& execution_name);

 private:
  struct Execution;
  FakeReply handle(const FakeRequest& request);
  std::optional<FakeReply> route(const FakeRequest& request, const std::vector<std::string>& parts);
  FakeReply create_job(const std::string& parent, const FakeRequest& request);
  FakeReply get_job(const std::string& name);
  FakeReply run_job(const std::string& job_name, const FakeRequest& request);
  FakeReply list_executions(const std::string& job_name, const FakeRequest& request);
  FakeReply get_execution(const std::string& name);
  FakeReply cancel_execution(const std::string& name, const FakeRequest& request);
  FakeReply get_operation(const std::string& name);
  FakeReply list_entries(const FakeRequest& request);
  std::optional<FakeReply> refuse_body(const FakeRequest& request, const std::string& message, nlohmann::json& body,
                                       const nlohmann::json& from_path = nlohmann::json::object());
  void run(const std::shared_ptr<Execution>& execution);
  void finish(Execution& execution, int exit_code, const std::string& stop_reason);
  nlohmann::json operation_of(const Execution& execution) const;
  void note(const std::string& what);

  Options options_;
  SwaggerSchema schema_;
  std::unique_ptr<FakeHttpsServer> server_;
  std::unique_ptr<GoogleAuthFake> auth_;

  mutable std::mutex mutex_;
  bool closing_ = false;
  std::map<std::string, nlohmann::json> jobs_;                    // by full name
  std::map<std::string, std::shared_ptr<Execution>> executions_;  // by full name
  std::map<std::string, std::string> operations_;                 // operation name -> execution name
  std::vector<nlohmann::json> entries_;                           // log entries, oldest first
  std::vector<std::thread> runners_;
  std::vector<std::string> violations_;
  std::map<std::string, int> calls_;
  uint64_t next_id_ = 1;
};

}  // namespace weft::fakes
