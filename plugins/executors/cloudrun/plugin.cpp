// The plugin's entry point: one executor type, "cloudrun".
#include "cloudrun_executor.hpp"

namespace {

constexpr const char* kConfigSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "cloudrun executor",
  "type": "object",
  "required": ["project", "region"],
  "properties": {
    "project": {"type": "string", "description": "the Google Cloud project id of the jobs"},
    "region": {"type": "string", "description": "the Cloud Run region, e.g. europe-west1"},
    "run_endpoint": {"type": "string", "default": "https://run.googleapis.com"},
    "logging_endpoint": {"type": "string", "default": "https://logging.googleapis.com"},
    "credentials_file": {"type": "string", "description": "a service-account key file (JSON); without it the metadata server gives the token"},
    "metadata_server": {"type": "string", "default": "http://metadata.google.internal"},
    "token_refresh_margin_s": {"type": "number", "default": 300, "description": "renew a token this long before it expires"},
    "ca_file": {"type": "string", "description": "PEM file of the CAs to trust instead of the system's"},
    "insecure": {"type": "boolean", "default": false, "description": "skip TLS verification"},
    "instance": {"type": "string", "default": "weft", "description": "label value that marks this weftd's jobs"},
    "default_image": {"type": "string", "description": "image for commands that name none"},
    "service_account": {"type": "string", "description": "the service account the jobs' tasks run as"},
    "scratch_dir": {"type": "string", "default": "/tmp", "description": "where tasks write their output file, in the container"},
    "default_timeout_s": {"type": "number", "default": 86400, "description": "the timeout of a task that has none"},
    "poll_interval_s": {"type": "number", "default": 5},
    "request_timeout_s": {"type": "number", "default": 30},
    "max_backoff_s": {"type": "number", "default": 30},
    "log_wait_s": {"type": "number", "default": 60, "description": "how long to wait for a task's last log line"}
  },
  "additionalProperties": false
})";

}  // namespace

WEFT_PLUGIN("cloudrun", "0.1.0", weft::sdk::executor<weft::cloudrun::CloudRunExecutor>("cloudrun", kConfigSchema))
