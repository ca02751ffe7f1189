// The `http` node type: one HTTP(S) request, sent by the plugin's own worker
// threads so that weftd's event loop never waits on the network. See
// README.md and docs/node-types.md#http.
//
// config: {"secrets": {name: {"env": VAR} | {"file": path}}, "workers": N,
//          "max_response_bytes": N, "ca_file": path}
// params: see http_params.cpp's schema.
// plan:   Plan::pending(); the task's FINISHED carries {status, headers, body},
//         or the failure (unexpected status, timeout, cancel, network).
#include <Poco/Exception.h>
#include <Poco/String.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>
#include <weft/sdk/node_type.hpp>
#include <weft/sdk/params.hpp>

#include "call_pool.hpp"
#include "http_call.hpp"
#include "http_params.hpp"
#include "secrets.hpp"

namespace weft::nodes::http {

namespace {

using nlohmann::json;
using weft::sdk::Plan;
using weft::sdk::Problem;

constexpr std::size_t kDefaultWorkers = 4;
constexpr std::size_t kMostWorkers = 64;
constexpr std::size_t kDefaultMaxResponseBytes = 1 << 20;
constexpr std::size_t kExcerptBytes = 200;
constexpr std::string_view kRedacted = "[redacted]";

struct NodeConfig {
  Secrets secrets;
  std::size_t workers = kDefaultWorkers;
  CallSettings call{kDefaultMaxResponseBytes, ""};
};

std::size_t count_in(const json& config, const char* key, std::size_t fallback, std::size_t most) {
  if (!config.contains(key)) return fallback;
  const json& value = config[key];
  if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<uint64_t>() > most) {
    throw std::invalid_argument(std::string(key) + " must be an integer from 1 to " + std::to_string(most));
  }
  return value.get<std::size_t>();
}

NodeConfig read_config(const json& config) {
  if (!config.is_object()) throw std::invalid_argument("the http node type's config must be an object");
  for (const auto& [key, value] : config.items()) {
    if (key != "secrets" && key != "workers" && key != "max_response_bytes" && key != "ca_file") {
      throw std::invalid_argument("unknown key '" + key +
                                  "' in the http node type's config (it takes secrets, workers, "
                                  "max_response_bytes, ca_file)");
    }
  }
  NodeConfig c;
  if (config.contains("secrets")) c.secrets = Secrets::from_config(config["secrets"]);
  c.workers = count_in(config, "workers", kDefaultWorkers, kMostWorkers);
  c.call.max_response_bytes = count_in(config, "max_response_bytes", kDefaultMaxResponseBytes, std::size_t{1} << 30);
  if (config.contains("ca_file")) {
    if (!config["ca_file"].is_string() || config["ca_file"].get_ref<const std::string&>().empty()) {
      throw std::invalid_argument("ca_file must be the path of a PEM file of CA certificates");
    }
    c.call.ca_file = config["ca_file"].get<std::string>();
  }
  return c;
}

// Takes every secret value sent out of what the server answered, so that a
// server that echoes a header back (httpbin's /anything, a debug endpoint)
// cannot put it into the task's output, the run, or an error message.
class Redactor {
 public:
  explicit Redactor(std::vector<std::string> values) : values_(std::move(values)) {}
  std::string operator()(std::string text) const {
    for (const auto& value : values_) {
      for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at + kRedacted.size())) {
        text.replace(at, value.size(), kRedacted);
      }
    }
    return text;
  }

 private:
  std::vector<std::string> values_;
};

bool is_json_type(const std::string& content_type) {
  const std::string type = Poco::toLower(content_type.substr(0, content_type.find(';')));
  const std::string trimmed = Poco::trim(type);
  return trimmed == "application/json" || trimmed.ends_with("+json");
}

// The body as JSON when the server says it is JSON and it parses; else its text.
json body_value(const HttpReply& reply, std::string body) {
  if (is_json_type(reply.content_type)) {
    json parsed = json::parse(body, nullptr, false);
    if (!parsed.is_discarded()) return parsed;
  }
  return body;
}

std::string excerpt(const std::string& body) {
  std::string text = body.substr(0, kExcerptBytes);
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return body.size() > kExcerptBytes ? text + "…" : text;
}

}  // namespace

class HttpNode final : public weft::sdk::NodeType {
 public:
  HttpNode(const weft::sdk::Host& host, const json& config)
      : host_(host),
        config_(read_config(config)),
        pool_(
            config_.workers, [this](Call& call) { return perform(call); },
            [this](const Call& call, const Outcome& o) {
              host_.task_finished(call.task_key, o.exit_code, o.output_json, o.error);
            }) {}

  std::vector<Problem> validate(const json& params) const override {
    return check_params(params, Stage::kValidating, config_.secrets);
  }

  Plan plan(const weft::sdk::TaskSpec& task) override {
    const auto problems = check_params(task.params, Stage::kRendered, config_.secrets);
    if (!problems.empty()) return Plan::failure(weft::sdk::describe_rendered_problems(problems));
    auto call = std::make_shared<Call>();
    call->task_key = task.task_key;
    call->request = request_from(task.params);
    call->deadline = Call::Clock::now() + call->request.timeout;
    if (!call->request.verify_tls && call->request.url.starts_with("https:")) {
      host_.warn("task " + task.task_key + ": TLS verification is off for " + call->request.url);
    }
    pool_.submit(std::move(call));
    return Plan::pending();
  }

  void cancel(std::string_view task_key) override { pool_.cancel(task_key); }

  const weft::sdk::Host& host() const { return host_; }

 private:
  // On a worker thread.
  Outcome perform(Call& call) const {
    const HttpRequest& request = call.request;
    const std::string what = request.method + " " + request.url;
    std::vector<std::string> sent;
    Headers filled;
    for (const auto& [name, value] : request.secret_headers) {
      filled.emplace_back(name, fill_secrets(value, config_.secrets, sent));
      if (filled.back().second.find_first_of("\r\n") != std::string::npos) {
        return {1, "", what + ": a secret in header " + name + " holds a line break"};
      }
    }
    const Redactor redact(sent);
    HttpReply reply;
    try {
      reply = send_request(request, filled, config_.call, call.connection);
    } catch (const Poco::Exception& e) {
      return {1, "", redact(what + ": " + e.displayText())};
    } catch (const std::exception& e) {
      return {1, "", redact(what + ": " + e.what())};
    }
    std::string body = redact(std::move(reply.body));
    if (!is_expected(request, reply.status)) {
      return {1, "",
              what + ": HTTP " + std::to_string(reply.status) + " (expected " + describe_expected(request) + ")" +
                  (body.empty() ? "" : ": " + excerpt(body))};
    }
    json headers = json::object();
    for (const auto& [name, value] : reply.headers) {
      json& joined = headers[Poco::toLower(name)];
      joined = joined.is_null() ? redact(value) : joined.get<std::string>() + ", " + redact(value);
    }
    const json output = {{"status", reply.status}, {"headers", headers}, {"body", body_value(reply, std::move(body))}};
    // A body that is not UTF-8 (binary, Latin-1) keeps its bytes' place as U+FFFD.
    return {0, output.dump(-1, ' ', false, json::error_handler_t::replace), ""};
  }

  weft::sdk::Host host_;
  NodeConfig config_;
  CallPool pool_;  // last: its threads use the members above, and end before they go
};

}  // namespace weft::nodes::http

WEFT_PLUGIN("http", "0.1.0",
            weft::sdk::node_type<weft::nodes::http::HttpNode>("http", weft::nodes::http::kParamsSchema))
