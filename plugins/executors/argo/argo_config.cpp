#include "argo_config.hpp"

#include <set>
#include <stdexcept>

namespace weft::argo {
namespace {

std::string text(const nlohmann::json& config, const char* key, const std::string& fallback) {
  if (!config.contains(key)) return fallback;
  if (!config[key].is_string()) throw std::invalid_argument(std::string("argo executor: ") + key + " must be a string");
  return config[key].get<std::string>();
}

bool flag(const nlohmann::json& config, const char* key, bool fallback) {
  if (!config.contains(key)) return fallback;
  if (!config[key].is_boolean())
    throw std::invalid_argument(std::string("argo executor: ") + key + " must be true or false");
  return config[key].get<bool>();
}

std::chrono::milliseconds seconds(const nlohmann::json& config, const char* key, std::chrono::milliseconds fallback) {
  if (!config.contains(key)) return fallback;
  if (!config[key].is_number() || config[key].get<double>() <= 0 || config[key].get<double>() > 86400) {
    throw std::invalid_argument(std::string("argo executor: ") + key + " must be a number of seconds in (0, 86400]");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(config[key].get<double>() * 1000));
}

}  // namespace

ArgoConfig ArgoConfig::parse(const nlohmann::json& config) {
  if (!config.is_object()) throw std::invalid_argument("argo executor: the configuration must be an object");
  static const std::set<std::string> known = {
      "server",          "namespace",         "token_file",    "ca_file",
      "insecure",        "instance",          "default_image", "service_account",
      "poll_interval_s", "request_timeout_s", "max_backoff_s", "delete_after_finish",
      "cancel",          "separate_stderr",   "scratch_dir",   "log_streams"};
  for (const auto& [key, value] : config.items()) {
    if (known.count(key) == 0) throw std::invalid_argument("argo executor: unknown configuration key \"" + key + "\"");
  }
  ArgoConfig c;
  c.server = text(config, "server", "");
  if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0) {
    throw std::invalid_argument("argo executor: server must be the argo-server's URL, https://host:port");
  }
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  c.nspace = text(config, "namespace", c.nspace);
  if (c.nspace.empty()) throw std::invalid_argument("argo executor: namespace must not be empty");
  c.token_file = text(config, "token_file", "");
  c.ca_file = text(config, "ca_file", "");
  c.insecure = flag(config, "insecure", false);
  c.instance = text(config, "instance", c.instance);
  c.default_image = text(config, "default_image", "");
  c.service_account = text(config, "service_account", "");
  c.poll_interval = seconds(config, "poll_interval_s", c.poll_interval);
  c.request_timeout = seconds(config, "request_timeout_s", c.request_timeout);
  c.max_backoff = seconds(config, "max_backoff_s", c.max_backoff);
  c.delete_after_finish = flag(config, "delete_after_finish", false);
  const std::string cancel = text(config, "cancel", "terminate");
  if (cancel != "terminate" && cancel != "stop") {
    throw std::invalid_argument("argo executor: cancel must be \"terminate\" or \"stop\"");
  }
  c.stop_on_cancel = cancel == "stop";
  c.separate_stderr = flag(config, "separate_stderr", false);
  c.scratch_dir = text(config, "scratch_dir", c.scratch_dir);
  if (c.scratch_dir.empty() || c.scratch_dir[0] != '/') {
    throw std::invalid_argument("argo executor: scratch_dir must be an absolute path");
  }
  if (config.contains("log_streams")) {
    const auto& streams = config["log_streams"];
    if (!streams.is_number_integer() || streams.get<int64_t>() < 0 || streams.get<int64_t>() > 1000) {
      throw std::invalid_argument("argo executor: log_streams must be a whole number in [0, 1000]");
    }
    c.max_log_streams = streams.get<std::size_t>();
  }
  return c;
}

}  // namespace weft::argo
