#include "cloudrun_config.hpp"

#include <regex>

#include "config_reader.hpp"

namespace weft::cloudrun {
namespace {

std::string url(const remote::ConfigReader& read, const char* key, const std::string& fallback) {
  std::string value = read.text(key, fallback);
  if (value.rfind("https://", 0) != 0 && value.rfind("http://", 0) != 0) {
    read.fail(std::string(key) + " must be a URL, https://host[:port]");
  }
  while (!value.empty() && value.back() == '/') value.pop_back();
  return value;
}

}  // namespace

CloudRunConfig CloudRunConfig::parse(const nlohmann::json& config) {
  const remote::ConfigReader read(
      config, "cloudrun",
      {"project", "region", "run_endpoint", "logging_endpoint", "credentials_file", "metadata_server",
       "token_refresh_margin_s", "ca_file", "insecure", "instance", "default_image", "service_account", "scratch_dir",
       "default_timeout_s", "poll_interval_s", "request_timeout_s", "max_backoff_s", "log_wait_s"});
  CloudRunConfig c;
  c.project = read.text("project", "");
  static const std::regex project_id("[a-z][-a-z0-9:.]{4,61}[a-z0-9]");
  if (!std::regex_match(c.project, project_id)) read.fail("project must be a Google Cloud project id");
  c.region = read.text("region", "");
  static const std::regex region("[a-z]+-[a-z]+[0-9]+");
  if (!std::regex_match(c.region, region)) read.fail("region must be a Cloud Run region such as europe-west1");
  c.run_endpoint = url(read, "run_endpoint", c.run_endpoint);
  c.logging_endpoint = url(read, "logging_endpoint", c.logging_endpoint);
  c.credentials_file = read.text("credentials_file", "");
  c.metadata_server = url(read, "metadata_server", c.metadata_server);
  if (read.has("credentials_file") && read.has("metadata_server")) {
    read.fail("credentials_file and metadata_server are two ways to get a token: give one");
  }
  c.token_refresh_margin = read.seconds("token_refresh_margin_s", c.token_refresh_margin);
  c.ca_file = read.text("ca_file", "");
  c.insecure = read.flag("insecure", false);
  c.instance = read.text("instance", c.instance);
  c.default_image = read.text("default_image", "");
  c.service_account = read.text("service_account", "");
  c.scratch_dir = read.text("scratch_dir", c.scratch_dir);
  if (c.scratch_dir.empty() || c.scratch_dir[0] != '/') read.fail("scratch_dir must be an absolute path");
  c.default_timeout = read.seconds("default_timeout_s", c.default_timeout);
  c.poll_interval = read.seconds("poll_interval_s", c.poll_interval);
  c.request_timeout = read.seconds("request_timeout_s", c.request_timeout);
  c.max_backoff = read.seconds("max_backoff_s", c.max_backoff);
  c.log_wait = read.seconds("log_wait_s", c.log_wait);
  return c;
}

}  // namespace weft::cloudrun
