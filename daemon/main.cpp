// weftd: the weft daemon. Wires the parts together and runs the event loop on
// the main thread; see docs/architecture.md for the design.
#include "auth/admin_token.hpp"
#include "live_reload.hpp"
#include "system/state_dir.hpp"
#include "system/systemd_notify.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <array>
#include <cstring>
#include <future>
#include <iostream>
#include <thread>

namespace {

using namespace weft::daemon;

constexpr const char* usage =
    "usage: weftd [--config FILE] [--check-config] [--version]\n"
    "  --config FILE   the configuration (default /etc/weft/weftd.json)\n"
    "  --check-config  check the configuration, name every problem, and exit\n"
    "  --version       print the version and exit\n";

struct Options {
  std::string config = "/etc/weft/weftd.json";
  bool check_config = false;
};

// nullopt: the process should exit with *exit_code.
std::optional<Options> parse_options(int argc, char** argv, int* exit_code) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      options.config = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      options.config = std::string(arg.substr(9));
    } else if (arg == "--check-config") {
      options.check_config = true;
    } else if (arg == "--version") {
      std::cout << "weftd " << WEFT_VERSION << " (plugin ABI " << WEFT_ABI_MAJOR << "." << WEFT_ABI_MINOR << ")\n";
      *exit_code = 0;
      return std::nullopt;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      *exit_code = 0;
      return std::nullopt;
    } else {
      std::cerr << "weftd: unknown argument '" << arg << "'\n" << usage;
      *exit_code = 2;
      return std::nullopt;
    }
  }
  return options;
}

void print_failure(const std::string& config_path, const Failure& failure) {
  std::cerr << "weftd: " << config_path << ": " << failure.message << "\n";
  for (const auto& p : failure.details)
    std::cerr << "  " << (p.path.empty() ? "/" : p.path) << ": " << p.message << "\n";
}

std::string host_name() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) return "localhost";
  return host.data();
}

// instance.id, or "<hostname>:<port>": two weftd on one host listen on two
// ports. instance.address, or the listen address as other hosts reach it.
LeaseSettings lease_settings(const Config& config) {
  LeaseSettings leases;
  const auto colon = config.listen.rfind(':');
  const std::string port = config.listen.substr(colon + 1);
  leases.address = config.instance.address;
  if (leases.address.empty()) {
    std::string host = config.listen.substr(0, colon);
    if (host == "0.0.0.0" || host == "[::]" || host == "::") host = host_name();
    leases.address = (config.api.tls() ? "https://" : "http://") + host + ":" + port;
  }
  leases.lease = std::chrono::seconds(config.instance.lease_s);
  leases.instance = config.instance.id;
  if (leases.instance.empty()) leases.instance = host_name() + ":" + port;
  return leases;
}

// Pings systemd's watchdog from the event loop, so a stuck loop is restarted.
void keep_watchdog_fed(boost::asio::steady_timer& timer, std::chrono::microseconds interval) {
  notify_systemd("WATCHDOG=1");
  timer.expires_after(interval);
  timer.async_wait([&timer, interval](const boost::system::error_code& ec) {
    if (!ec) keep_watchdog_fed(timer, interval);
  });
}

int serve(const std::string& config_file, const Config& config) {
  if (const auto error = prepare_state_dir(config.state_dir); !error.empty()) {
    spdlog::critical("cannot prepare the state directory: {}", error);
    return 1;
  }
  boost::asio::io_context io;
  HostServices services(io);
  PluginHost plugins(services);
  PluginHostSettings plugin_settings{config.plugin_dirs, config.executors, config.required_plugins, config.node_types};
  if (const Status loaded = plugins.load(plugin_settings); !loaded) {
    spdlog::critical("{}", loaded.failure().message);
    return 1;
  }
  auto opened = plugins.open_store(config.storage.plugin, config.storage.settings);
  if (!opened) {
    spdlog::critical("{}", opened.failure().message);
    return 1;
  }
  StoreClient& store = *opened.value();
  try {
    if (config.auth.enabled) ensure_admin_token(store, config.state_dir);
  } catch (const std::exception& e) {
    spdlog::critical("cannot set up the admin token: {}", e.what());
    return 1;
  }

  SystemClock clock(io);
  if (store.shared() && config.listen.ends_with(":0") &&
      (config.instance.id.empty() || config.instance.address.empty())) {
    spdlog::critical(
        "storage {} is shared and listen {} picks a free port: set instance.id and instance.address, "
        "which would otherwise name port 0 to the other instances",
        config.storage.plugin, config.listen);
    return 1;
  }
  if (store.shared()) {
    spdlog::info("storage {} is shared: this is instance {}", config.storage.plugin, lease_settings(config).instance);
  } else if (!config.instance.id.empty()) {
    spdlog::warn("storage {} serves one weftd only: instance.id is ignored, and no other weftd may use it",
                 config.storage.plugin);
  }
  SchedulerSettings scheduler_settings;
  scheduler_settings.state_dir = config.state_dir;
  scheduler_settings.limits = scheduler_limits(config);
  scheduler_settings.leases = lease_settings(config);
  scheduler_settings.audit_retention = std::chrono::hours(24 * config.audit.retention_days);
  scheduler_settings.done_message_retention = std::chrono::hours(24 * config.queues.done_retention_days);
  RunScheduler scheduler(io, plugins, store, clock, scheduler_settings);
  services.set_task_event_sink([&scheduler](TaskEvent event) { scheduler.post_task_event(std::move(event)); });
  services.set_work_listener([&scheduler] { scheduler.work_available(); });
  services.set_message_sink([&scheduler](const std::string& queue, std::string id, std::string body) {
    return scheduler.enqueue_from_task(queue, std::move(id), std::move(body));
  });
  services.set_child_run_starter([&scheduler](ChildRunRequest request, ChildRunEnded on_end) {
    scheduler.start_child_run(std::move(request), std::move(on_end));
  });
  try {
    scheduler.recover();
  } catch (const std::exception& e) {
    spdlog::critical("cannot read the unfinished runs back from the store: {}", e.what());
    return 1;
  }

  ApiSettings api_settings;
  api_settings.listen = config.listen;
  api_settings.max_body_bytes = config.limits.max_body_bytes;
  api_settings.auth_enabled = config.auth.enabled;
  api_settings.state_dir = config.state_dir;
  api_settings.threads = config.api.threads;
  api_settings.read_timeout = std::chrono::seconds(config.api.read_timeout_s);
  api_settings.answer_timeout = std::chrono::seconds(config.api.answer_timeout_s);
  api_settings.max_connections = static_cast<size_t>(config.api.max_connections);
  api_settings.max_connections_per_client = static_cast<size_t>(config.api.max_connections_per_client);
  api_settings.event_history = static_cast<size_t>(config.api.event_history);
  if (config.api.tls()) api_settings.tls = tls_files(config.api);
  api_settings.peers = {scheduler_settings.leases.instance, scheduler_settings.leases.lease, config.api.tls_peer_ca};
  std::unique_ptr<ApiServer> server;
  try {
    server = std::make_unique<ApiServer>(
        scheduler, store, plugins, [&plugins] { return plugins.plugins(); },
        [&scheduler] { return scheduler.store_healthy(); }, api_settings);
    server->set_limits(api_limits(config));
    server->set_oidc(open_oidc_identity(config.api.oidc));
    server->set_web_sign_in(config.api.oidc.web);
    server->set_policy(config.api.policy);
    scheduler.set_observer(server.get());
    server->start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot serve the API on {}: {}", config.listen, e.what());
    return 1;
  }
  ApiServer& api = *server;
  // On the loop, as at start and on SIGHUP: plugins' init and create run on
  // the thread that runs everything else of theirs.
  LiveReload reload(config_file, config, plugins, scheduler, api);
  api.set_reloader([&io, &reload] {
    std::promise<Result<nlohmann::json>> reloaded;
    auto answer = reloaded.get_future();
    boost::asio::post(io, [&reloaded, &reload] { reloaded.set_value(reload.reload()); });
    return answer.get();
  });
  spdlog::info("weftd {} serving on {} (state in {})", WEFT_VERSION, config.listen, config.state_dir.string());

  // Shutdown: the API stops first (on its own thread: requests under way may
  // wait for the loop), then the scheduler drains, then the loop ends.
  std::thread stopper;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                             int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: reloading {}", config_file);
      reload.reload();  // what it did, or why not, is logged
      signals.async_wait(on_signal);
      return;
    }
    if (stopper.joinable()) return;
    spdlog::info("{}: stopping", strsignal(signal));
    notify_systemd("STOPPING=1");
    stopper = std::thread([&] {
      api.stop();
      boost::asio::post(io, [&] { scheduler.drain(reload.shutdown_grace(), [&io] { io.stop(); }); });
    });
  };
  signals.async_wait(on_signal);

  boost::asio::steady_timer watchdog(io);
  if (const auto interval = watchdog_ping_interval()) keep_watchdog_fed(watchdog, *interval);
  notify_systemd("READY=1");

  // Work is caught where it is posted (commands answer 500, plugin calls are
  // guarded). What escapes a handler would leave the loop's state half
  // updated, so it ends the process: systemd restarts weftd, and recovery
  // takes the runs back from what is stored.
  try {
    io.run();
  } catch (const std::exception& e) {
    spdlog::critical("unexpected error in the event loop (a bug; please report it), stopping: {}", e.what());
    return 70;  // EX_SOFTWARE
  }
  if (stopper.joinable()) stopper.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto options = parse_options(argc, argv, &exit_code);
  if (!options) return exit_code;
  auto config = load_config(options->config);
  if (!config) {
    print_failure(options->config, config.failure());
    return 1;
  }
  if (options->check_config) {
    std::cout << options->config << ": ok\n";
    return 0;
  }
  // stderr, where systemd's journal (and anyone running weftd by hand) reads it.
  spdlog::set_default_logger(spdlog::stderr_color_mt("weftd"));
  spdlog::set_level(config->log.level);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  return serve(options->config, *config);
}
