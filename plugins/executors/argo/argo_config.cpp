#include "argo_config.hpp"

#include "config_reader.hpp"

namespace weft::argo {

ArgoConfig ArgoConfig::parse(const nlohmann::json& config) {
  const remote::ConfigReader read(
      config, "argo",
      {"server", "namespace", "token_file", "ca_file", "insecure", "instance", "default_image", "service_account",
       "poll_interval_s", "request_timeout_s", "max_backoff_s", "delete_after_finish", "cancel", "separate_stderr",
       "scratch_dir", "log_streams"});
  ArgoConfig c;
  c.server = read.text("server", "");
  if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0) {
    read.fail("server must be the argo-server's URL, https://host:port");
  }
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  c.nspace = read.text("namespace", c.nspace);
  if (c.nspace.empty()) read.fail("namespace must not be empty");
  c.token_file = read.text("token_file", "");
  c.ca_file = read.text("ca_file", "");
  c.insecure = read.flag("insecure", false);
  c.instance = read.text("instance", c.instance);
  c.default_image = read.text("default_image", "");
  c.service_account = read.text("service_account", "");
  c.poll_interval = read.seconds("poll_interval_s", c.poll_interval);
  c.request_timeout = read.seconds("request_timeout_s", c.request_timeout);
  c.max_backoff = read.seconds("max_backoff_s", c.max_backoff);
  c.delete_after_finish = read.flag("delete_after_finish", false);
  const std::string cancel = read.text("cancel", "terminate");
  if (cancel != "terminate" && cancel != "stop") read.fail("cancel must be \"terminate\" or \"stop\"");
  c.stop_on_cancel = cancel == "stop";
  c.separate_stderr = read.flag("separate_stderr", false);
  c.scratch_dir = read.text("scratch_dir", c.scratch_dir);
  if (c.scratch_dir.empty() || c.scratch_dir[0] != '/') read.fail("scratch_dir must be an absolute path");
  c.max_log_streams =
      static_cast<std::size_t>(read.whole_number("log_streams", static_cast<int64_t>(c.max_log_streams), 0, 1000));
  return c;
}

}  // namespace weft::argo
