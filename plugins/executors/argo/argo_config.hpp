// The argo executor's configuration: its section of weftd.json.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace weft::argo {

struct ArgoConfig {
  std::string server;  // https://argo-server.argo:2746
  std::string nspace = "default";
  std::string token_file;         // empty: no Authorization header
  std::string ca_file;            // empty: the system's CAs
  bool insecure = false;          // skip TLS verification: only when asked for
  std::string instance = "weft";  // the label value that tells this weftd's workflows apart
  std::string default_image;      // for commands that name no image
  std::string service_account;    // spec.serviceAccountName; empty: the namespace's default
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds max_backoff{30000};
  bool delete_after_finish = false;
  bool stop_on_cancel = false;       // PUT stop (exit handlers run) instead of terminate
  bool separate_stderr = false;      // run the command under /bin/sh to keep stderr apart
  std::string scratch_dir = "/tmp";  // in the container: where the output (and stderr) files go
  std::size_t max_log_streams = 16;  // running tasks whose logs are streamed at once

  // Throws std::invalid_argument naming a bad or unknown key.
  static ArgoConfig parse(const nlohmann::json& config);
};

}  // namespace weft::argo
