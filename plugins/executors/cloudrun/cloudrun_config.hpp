// The cloudrun executor's configuration: its section of weftd.json.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace weft::cloudrun {

struct CloudRunConfig {
  std::string project;  // the Google Cloud project of the jobs
  std::string region;   // their location, e.g. europe-west1
  std::string run_endpoint = "https://run.googleapis.com";
  std::string logging_endpoint = "https://logging.googleapis.com";
  // Auth: a service-account key file, or (when empty) the metadata server.
  std::string credentials_file;
  std::string metadata_server = "http://metadata.google.internal";
  std::chrono::milliseconds token_refresh_margin{300000};  // a token is renewed this long before it expires
  std::string ca_file;                                     // empty: the system's CAs
  bool insecure = false;
  std::string instance = "weft";                        // the label value that tells this weftd's jobs apart
  std::string default_image;                            // for commands that name no image
  std::string service_account;                          // the jobs' service account; empty: the project's default
  std::string scratch_dir = "/tmp";                     // in the container: where the task's output file goes
  std::chrono::milliseconds default_timeout{86400000};  // of a task that has none
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds max_backoff{30000};
  // How long to wait for a task's last log line after its execution ended
  // (Cloud Logging receives entries a moment after they are written).
  std::chrono::milliseconds log_wait{60000};

  // Throws std::invalid_argument naming a bad or unknown key.
  static CloudRunConfig parse(const nlohmann::json& config);
};

}  // namespace weft::cloudrun
