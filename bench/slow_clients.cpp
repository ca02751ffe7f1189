#include "slow_clients.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace weft::bench {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kSlowClients = 200;
constexpr int kFollowers = 200;
// Connections per source address: under api.max_connections_per_client (32),
// so that what is measured is how weftd holds them, not that it refuses them.
constexpr int kPerAddress = 25;
constexpr auto kHeaderLineEvery = std::chrono::seconds(2);  // each slow client's pace
constexpr auto kBaseline = std::chrono::seconds(3);
constexpr auto kRampUp = std::chrono::seconds(10);  // at most, to connect everyone
constexpr auto kMeasured = std::chrono::seconds(15);

// The one task writes a line every 100 ms for a minute: followers always have something to read.
json chatty_workflow() {
  const std::string script = "i=0; while [ $i -lt 600 ]; do echo line $i; i=$((i+1)); sleep 0.1; done";
  return {{"name", "bench-slow-clients"},
          {"nodes", {{{"id", "main"}, {"type", "command"}, {"params", {{"argv", {"sh", "-c", script}}}}}}}};
}

// 200 slowloris connections and 200 followers, kept connected by one thread:
// a slow client closed by weftd (its head took too long) connects again, as
// an attacker would, and so does a follower whose stream ended.
class Attackers {
 public:
  Attackers(uint16_t port, std::string token, std::string run_id)
      : port_(port), token_(std::move(token)), run_id_(std::move(run_id)), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {}
  ~Attackers() {
    stop();
    for (auto& c : connections_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll_);
  }

  void start() {
    for (int i = 0; i < kSlowClients; ++i)
      connections_.push_back({-1, false, "127.0.1." + std::to_string(2 + i / kPerAddress)});
    for (int i = 0; i < kFollowers; ++i)
      connections_.push_back({-1, true, "127.0.2." + std::to_string(2 + i / kPerAddress)});
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int connected() const { return connected_; }
  int following() const { return following_; }  // followers that have had their reply's head
  int reconnects() const { return reconnects_; }
  int64_t follower_bytes() const { return follower_bytes_; }

 private:
  struct Connection {
    int fd;
    bool follower;
    std::string source;
    Clock::time_point next_line{};
    bool streaming = false;
  };

  void connect(Connection& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, c.source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port_);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(c.fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(c.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(c.fd);
      c.fd = -1;
      return;
    }
    const std::string first = c.follower ? "GET /api/v1/runs/" + run_id_ +
                                               "/tasks/main/logs?follow=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "Authorization: Bearer " +
                                               token_ + "\r\n\r\n"
                                         : std::string("GET /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    ::send(c.fd, first.data(), first.size(), MSG_NOSIGNAL);
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.u64 = static_cast<uint64_t>(&c - connections_.data());
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event);
    c.next_line = Clock::now() + kHeaderLineEvery;
    c.streaming = false;
    ++connected_;
  }

  void disconnect(Connection& c) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c.fd = -1;
    --connected_;
    if (c.streaming) --following_;
    ++reconnects_;
  }

  void readable(Connection& c) {
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
      const ssize_t n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
      if (n > 0) {
        if (c.follower) {
          if (!c.streaming && std::string_view(buffer.data(), static_cast<size_t>(n)).starts_with("HTTP/1.1 200")) {
            c.streaming = true;
            ++following_;
          }
          follower_bytes_ += n;
        }
        continue;  // a slow client's 408: its close follows
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return disconnect(c);
    }
  }

  void run() {
    std::array<epoll_event, 128> events{};
    while (!stopping_) {
      for (auto& c : connections_) {
        if (c.fd < 0) connect(c);
      }
      const int count = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < count; ++i) {
        Connection& c = connections_[events[static_cast<size_t>(i)].data.u64];
        if (c.fd >= 0) readable(c);
      }
      const auto now = Clock::now();
      for (auto& c : connections_) {
        if (c.fd < 0 || c.follower || now < c.next_line) continue;
        const std::string line = "X-Slow: " + std::to_string(now.time_since_epoch().count() % 1000) + "\r\n";
        ::send(c.fd, line.data(), line.size(), MSG_NOSIGNAL);
        c.next_line = now + kHeaderLineEvery;
      }
    }
  }

  const uint16_t port_;
  const std::string token_;
  const std::string run_id_;
  const int epoll_;
  std::vector<Connection> connections_;  // never resized once started: epoll data holds indices
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connected_{0};
  std::atomic<int> following_{0};
  std::atomic<int> reconnects_{0};
  std::atomic<int64_t> follower_bytes_{0};
};

struct Latencies {
  std::vector<double> get_run_ms;
  std::vector<double> healthz_ms;
  int errors = 0;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

// The well-behaved client: one keep-alive connection from 127.0.0.1, asking
// for the run and for /healthz in turn, one request at a time.
Latencies measure_client(const client::ApiClient& api, const std::string& run_id, Clock::duration length) {
  Latencies latencies;
  const auto end = Clock::now() + length;
  const auto timed = [&](const std::string& target, std::vector<double>& into) {
    const auto begin = Clock::now();
    try {
      if (api.get(target).status != 200) ++latencies.errors;
    } catch (const std::exception&) {
      ++latencies.errors;
    }
    into.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
  };
  while (Clock::now() < end) {
    timed("/api/v1/runs/" + run_id, latencies.get_run_ms);
    timed("/healthz", latencies.healthz_ms);
  }
  return latencies;
}

void add_latencies(const std::string& prefix, const std::string& label, const Latencies& latencies, Metrics& metrics) {
  metrics.push_back(
      {prefix + "get_run_p50_ms", label + "GET /runs/{id} p50", "ms", percentile(latencies.get_run_ms, 0.5)});
  metrics.push_back(
      {prefix + "get_run_p99_ms", label + "GET /runs/{id} p99", "ms", percentile(latencies.get_run_ms, 0.99)});
  metrics.push_back(
      {prefix + "healthz_p50_ms", label + "GET /healthz p50", "ms", percentile(latencies.healthz_ms, 0.5)});
  metrics.push_back(
      {prefix + "healthz_p99_ms", label + "GET /healthz p99", "ms", percentile(latencies.healthz_ms, 0.99)});
  const auto requests = static_cast<double>(latencies.get_run_ms.size() + latencies.healthz_ms.size());
  metrics.push_back({prefix + "requests", label + "requests answered", "", requests - latencies.errors});
  metrics.push_back({prefix + "errors", label + "requests failed", "", static_cast<double>(latencies.errors)});
}

uint16_t port_of(const client::ApiClient& api) {
  const std::string& url = api.server();  // http://127.0.0.1:PORT
  return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

std::string admin_token(const WeftdInstance& weftd) {
  std::ifstream in(weftd.state_dir() / "admin.token");
  std::string token;
  std::getline(in, token);
  return token;
}

Metrics slow_clients(const WeftdSettings& settings) {
  const WeftdInstance weftd(settings);
  const std::string run_id = weftd.start_run(chatty_workflow());
  const auto& api = weftd.api();
  const auto log = "/api/v1/runs/" + run_id + "/tasks/main/logs";
  for (const auto until = Clock::now() + std::chrono::seconds(30); api.get(log).body.empty();) {
    if (Clock::now() > until) throw std::runtime_error("the chatty task wrote nothing; weftd's log:\n" + weftd.log());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Metrics metrics;
  add_latencies("alone_", "alone: ", measure_client(api, run_id, kBaseline), metrics);

  Attackers attackers(port_of(api), admin_token(weftd), run_id);
  attackers.start();
  for (const auto until = Clock::now() + kRampUp; Clock::now() < until;) {
    if (attackers.connected() == kSlowClients + kFollowers && attackers.following() == kFollowers) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto before = weftd.stats();
  const Latencies attacked = measure_client(api, run_id, kMeasured);
  const auto after = weftd.stats();
  const int connected = attackers.connected();
  const int following = attackers.following();
  attackers.stop();
  api.post("/api/v1/runs/" + run_id + "/cancel");

  add_latencies("", "under attack: ", attacked, metrics);
  metrics.push_back(
      {"attackers_connected", "attackers connected at the end (of 400)", "", static_cast<double>(connected)});
  metrics.push_back(
      {"followers_streaming", "followers streaming at the end (of 200)", "", static_cast<double>(following)});
  metrics.push_back({"attacker_reconnects", "attacker reconnections (slow heads closed by weftd)", "",
                     static_cast<double>(attackers.reconnects())});
  metrics.push_back({"follower_mib", "log bytes sent to followers", "MiB",
                     static_cast<double>(attackers.follower_bytes()) / (1024.0 * 1024.0)});
  metrics.push_back({"weftd_cpu_s", "weftd CPU while measured", "s", after.cpu_s - before.cpu_s});
  metrics.push_back({"weftd_peak_rss_mib", "weftd peak RSS", "MiB", after.peak_rss_mib});
  return metrics;
}

}  // namespace

Workload slow_clients_workload() {
  return {"slow_clients", "GET /runs/{id} and /healthz while 200 slowloris connections and 200 log followers are open",
          slow_clients};
}

}  // namespace weft::bench
