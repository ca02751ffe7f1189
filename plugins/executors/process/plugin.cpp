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
    }
  },
  "additionalProperties": false
})";

}  // namespace

WEFT_PLUGIN("process", "0.1.0", weft::sdk::executor<weft::process::ProcessExecutor>("process", kConfigSchema))
