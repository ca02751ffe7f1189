// The plugin's entry point: one executor type, "argo".
#include "argo_executor.hpp"

namespace {

constexpr const char* kConfigSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "argo executor",
  "type": "object",
  "required": ["server"],
  "properties": {
    "server": {"type": "string", "description": "argo-server's URL, https://host:2746"},
    "namespace": {"type": "string", "default": "default"},
    "token_file": {"type": "string", "description": "file holding the bearer token; re-read when it changes"},
    "ca_file": {"type": "string", "description": "PEM file of the CA that signed argo-server's certificate"},
    "insecure": {"type": "boolean", "default": false, "description": "skip TLS verification"},
    "instance": {"type": "string", "default": "weft", "description": "label value that marks this weftd's workflows"},
    "default_image": {"type": "string", "description": "image for commands that name none"},
    "service_account": {"type": "string", "description": "the workflows' serviceAccountName"},
    "poll_interval_s": {"type": "number", "default": 2},
    "request_timeout_s": {"type": "number", "default": 30},
    "max_backoff_s": {"type": "number", "default": 30},
    "delete_after_finish": {"type": "boolean", "default": false},
    "cancel": {"enum": ["terminate", "stop"], "default": "terminate"},
    "separate_stderr": {"type": "boolean", "default": false,
                        "description": "run commands under /bin/sh so that stderr is kept apart from stdout"},
    "scratch_dir": {"type": "string", "default": "/tmp", "description": "where tasks write their output file"},
    "log_streams": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 16,
                    "description": "how many running tasks' logs are streamed at once"}
  },
  "additionalProperties": false
})";

}  // namespace

WEFT_PLUGIN("argo", "0.1.0", weft::sdk::executor<weft::argo::ArgoExecutor>("argo", kConfigSchema))
