// Fuzzes weftd's configuration file (docs/configuration.md) as load_config
// reads it: the JSON text, then every key checked and every default filled.
#include "config/config.hpp"
#include "core/json_text.hpp"
#include "fuzz_support.hpp"

using namespace weft::daemon;
using weft::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto document = parse_json(weft::fuzz::text_of(data, size));
  if (!document) return 0;
  const auto config = parse_config(*document);
  if (!config) {
    weft::fuzz::require_explained(config.failure());
    return 0;
  }
  require(config->api.threads > 0 && config->limits.max_running_tasks > 0, "limits are positive");
  return 0;
}
