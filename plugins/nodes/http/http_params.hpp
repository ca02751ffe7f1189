// An http node's params: checked when the workflow is stored (templates may
// still stand for values) and again when the task is planned (rendered),
// then read into the request a worker sends.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/node_type.hpp>

#include "secrets.hpp"

namespace weft::nodes::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Status codes from..to, both included.
struct StatusRange {
  int from = 200;
  int to = 299;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  Headers secret_headers;  // values still hold "${name}": filled only when sent
  std::optional<std::string> body;
  std::string content_type;  // of body, unless headers give Content-Type
  std::vector<StatusRange> expected_status{StatusRange{}};
  std::chrono::milliseconds timeout{30000};
  bool verify_tls = true;
  std::string ca_file;  // empty: the plugin's ca_file, else the system's CAs
};

// When params are checked: at validation a template may stand for a value.
enum class Stage { kValidating, kRendered };

std::vector<weft::sdk::Problem> check_params(const nlohmann::json& params, Stage stage, const Secrets& secrets);

// The request of rendered params that check_params found no problem with.
HttpRequest request_from(const nlohmann::json& params);

bool is_expected(const HttpRequest& request, int status);
// "2xx", "200, 201 or 404", as messages show expected_status.
std::string describe_expected(const HttpRequest& request);

// The JSON Schema of the params, for the plugin's factory.
extern const char* const kParamsSchema;

}  // namespace weft::nodes::http
