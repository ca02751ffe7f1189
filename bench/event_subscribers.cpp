#include "event_subscribers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace weft::bench {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kSubscribers = 500;
// Connections per source address: under api.max_connections_per_client (32).
constexpr int kPerAddress = 25;
constexpr int kTasks = 200;
constexpr auto kConnectFor = std::chrono::seconds(20);
constexpr auto kRunFor = std::chrono::seconds(120);

// 200 × /bin/true, 50 at a time: each task makes a few transitions, so the
// run makes over 500 events.
json fanout_workflow(const std::string& name) {
  json items = json::array();
  for (int i = 0; i < kTasks; ++i) items.push_back(i);
  return {{"name", name},
          {"nodes",
           {{{"id", "items"}, {"type", "noop"}, {"params", {{"output", items}}}},
            {{"id", "each"},
             {"type", "command"},
             {"depends_on", {"items"}},
             {"for_each", "{{ nodes.items.output }}"},
             {"max_parallel", 50},
             {"params", {{"argv", {"true"}}}}}}}};
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The subscribers, all on one epoll thread of the bench: each counts the
// events it reads and notes when it sees the run's end.
class Subscribers {
 public:
  Subscribers(uint16_t port, const std::string& token) : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    const std::string request =
        "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        "Authorization: Bearer " +
        token + "\r\n\r\n";
    subscribers_.resize(kSubscribers);
    for (int i = 0; i < kSubscribers; ++i) {
      auto& s = subscribers_[static_cast<size_t>(i)];
      s.fd = connect_from("127.0.3." + std::to_string(2 + i / kPerAddress), port);
      ::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL);
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.u64 = static_cast<uint64_t>(i);
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &event);
    }
  }
  ~Subscribers() {
    for (auto& s : subscribers_) ::close(s.fd);
    ::close(epoll_);
  }
  Subscribers(const Subscribers&) = delete;
  Subscribers& operator=(const Subscribers&) = delete;

  // Reads until every subscriber has seen a run end (or the deadline); returns whether all did.
  bool read_until_ended(Clock::time_point deadline) {
    std::array<epoll_event, 128> events{};
    while (ended_ < kSubscribers && Clock::now() < deadline) {
      const int count = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < count; ++i) read(subscribers_[events[static_cast<size_t>(i)].data.u64]);
    }
    return ended_ == kSubscribers;
  }

  // Subscribers whose reply has begun (200 and the stream's first bytes).
  int streaming() const {
    int n = 0;
    for (const auto& s : subscribers_) n += s.streaming ? 1 : 0;
    return n;
  }
  void poll_once() {
    std::array<epoll_event, 128> events{};
    const int count = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
    for (int i = 0; i < count; ++i) read(subscribers_[events[static_cast<size_t>(i)].data.u64]);
  }
  std::vector<double> lags_ms(int64_t finished_at_ms) const {
    std::vector<double> lags;
    for (const auto& s : subscribers_) {
      if (s.ended_at_ms > 0) lags.push_back(static_cast<double>(s.ended_at_ms - finished_at_ms));
    }
    return lags;
  }
  int fewest_events() const {
    int fewest = INT32_MAX;
    for (const auto& s : subscribers_) fewest = std::min(fewest, s.events);
    return fewest;
  }

 private:
  struct Subscriber {
    int fd = -1;
    bool streaming = false;
    std::string pending;  // the text after the last complete event
    int events = 0;
    int64_t ended_at_ms = 0;
  };

  static int connect_from(const std::string& source, uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(fd);
      throw std::runtime_error("a subscriber cannot connect from " + source);
    }
    return fd;
  }

  // Chunk sizes sit between events (weftd writes whole events), so splitting
  // at blank lines finds the events, with a chunk size line before some.
  void read(Subscriber& s) {
    std::array<char, 16 * 1024> buffer{};
    const ssize_t n = ::recv(s.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n <= 0) return;
    s.pending.append(buffer.data(), static_cast<size_t>(n));
    if (!s.streaming && s.pending.starts_with("HTTP/1.1 200")) s.streaming = true;
    for (size_t end = s.pending.find("\n\n"); end != std::string::npos; end = s.pending.find("\n\n")) {
      const std::string_view event(s.pending.data(), end);
      if (event.find("\nevent: ") != std::string_view::npos) ++s.events;
      if (s.ended_at_ms == 0 && event.find("event: run") != std::string_view::npos &&
          event.find(R"("status":"succeeded")") != std::string_view::npos) {
        s.ended_at_ms = now_ms();
        ++ended_;
      }
      s.pending.erase(0, end + 2);
    }
  }

  const int epoll_;
  std::vector<Subscriber> subscribers_;
  int ended_ = 0;
};

struct TimedRun {
  double weftd_cpu_s = 0;
  int64_t finished_at_ms = 0;
};

// 500 subscribers hold 500 descriptors here and in weftd (which serves at
// most half its limit in connections): both need more than a shell's usual 1024.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// One run of the fanout, with weftd's CPU time over it.
TimedRun timed_run(const WeftdInstance& weftd, const std::string& name, Subscribers* subscribers) {
  const auto before = weftd.stats();
  const std::string run_id = weftd.start_run(fanout_workflow(name));
  if (subscribers != nullptr && !subscribers->read_until_ended(Clock::now() + kRunFor)) {
    throw std::runtime_error("not every subscriber saw the run end; weftd's log:\n" + weftd.log());
  }
  if (weftd.wait_run(run_id, std::chrono::duration_cast<std::chrono::seconds>(kRunFor)) != "succeeded") {
    throw std::runtime_error("the run did not succeed; weftd's log:\n" + weftd.log());
  }
  const auto after = weftd.stats();
  return {after.cpu_s - before.cpu_s, weftd.timings(run_id).finished_at};
}

Metrics event_subscribers(const WeftdSettings& settings) {
  raise_descriptor_limit();
  const WeftdInstance weftd(settings);
  Metrics metrics;
  const double alone_cpu = timed_run(weftd, "bench-events-alone", nullptr).weftd_cpu_s;
  const auto idle = weftd.stats();

  Subscribers subscribers(weftd.port(), weftd.token());
  for (const auto until = Clock::now() + kConnectFor; subscribers.streaming() < kSubscribers;) {
    if (Clock::now() > until)
      throw std::runtime_error("not every subscriber got its stream; weftd's log:\n" + weftd.log());
    subscribers.poll_once();
  }
  const auto connected = weftd.stats();
  const auto followed = timed_run(weftd, "bench-events-followed", &subscribers);
  const auto lags = subscribers.lags_ms(followed.finished_at_ms);

  metrics.push_back({"subscribers", "subscribers that saw the run end", "", static_cast<double>(lags.size())});
  metrics.push_back({"events_per_subscriber", "events each subscriber read (fewest)", "",
                     static_cast<double>(subscribers.fewest_events())});
  metrics.push_back({"lag_p50_ms", "run end stored → subscriber has it, p50", "ms", percentile(lags, 50)});
  metrics.push_back({"lag_p99_ms", "run end stored → subscriber has it, p99", "ms", percentile(lags, 99)});
  metrics.push_back({"lag_max_ms", "run end stored → subscriber has it, max", "ms", percentile(lags, 100)});
  metrics.push_back({"cpu_alone_s", "weftd CPU, the run with no subscriber", "s", alone_cpu});
  metrics.push_back({"cpu_followed_s", "weftd CPU, the run with 500 subscribers", "s", followed.weftd_cpu_s});
  metrics.push_back(
      {"rss_subscribers_mib", "weftd RSS added by 500 idle subscribers", "MiB", connected.rss_mib - idle.rss_mib});
  metrics.push_back({"peak_rss_mib", "weftd peak RSS", "MiB", weftd.stats().peak_rss_mib});
  return metrics;
}

}  // namespace

Workload event_subscribers_workload() {
  return {"event_subscribers", "a fanout of 200 tasks (over 500 events) followed by 500 clients of GET /api/v1/events",
          event_subscribers};
}

}  // namespace weft::bench
