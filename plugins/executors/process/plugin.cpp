// The plugin's entry point: one executor type, "process".
#include "process_executor.hpp"

namespace {

constexpr const char* kConfigSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "process executor",
  "type": "object",
  "properties": {
    "kill_grace_s": {
      "type": "number", "minimum": 0, "maximum": 86400, "default": 5,
      "description": "seconds a cancelled task has between SIGTERM and SIGKILL"
    },
    "run_as": {
      "type": "string", "minLength": 1,
      "description": "the unprivileged user tasks run as; none: weftd's own user"
    },
    "task_uids": {
      "type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 2147483646},
      "minItems": 2, "maxItems": 2,
      "description": "[first, last]: with run_as, each running task gets a uid and gid of its own from this range"
    }
  },
  "additionalProperties": false
})";

}  // namespace

WEFT_PLUGIN("process", "0.1.0", weft::sdk::executor<weft::process::ProcessExecutor>("process", kConfigSchema))
