#include "log_streams.hpp"

#include <condition_variable>
#include <fstream>
#include <nlohmann/json.hpp>

namespace weft::argo {

std::string log_line(const std::string& entry) {
  std::string text = entry;
  if (text.rfind("data: ", 0) == 0) text.erase(0, 6);  // in case a proxy turns it into an event stream
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("result") || !parsed["result"].is_object()) return {};
  return parsed["result"].value("content", "") + "\n";
}

struct LogStreams::Stream {
  explicit Stream(const ArgoConfig& config) : http(config) {}
  ArgoHttp http;
  std::mutex mutex;
  std::condition_variable ended_cv;
  bool ended = false;
  bool complete = false;
  std::thread thread;
};

LogStreams::LogStreams(const ArgoConfig& config, const sdk::Host& host) : config_(config), host_(host) {}

LogStreams::~LogStreams() {
  std::map<std::string, std::shared_ptr<Stream>> streams;
  {
    const std::lock_guard lock(mutex_);
    streams.swap(streams_);
  }
  for (auto& [key, stream] : streams) {
    stream->http.abort();
    stream->thread.join();
  }
}

bool LogStreams::follow(const std::string& key, const std::string& path_and_query, const std::string& out) {
  const std::lock_guard lock(mutex_);
  if (streams_.size() >= config_.max_log_streams || streams_.count(key) != 0) return false;
  auto stream = std::make_shared<Stream>(config_);
  stream->thread = std::thread([this, stream, key, url = path_and_query + "&logOptions.follow=true", out] {
    bool complete = false;
    try {
      std::ofstream file(out, std::ios::trunc);
      const HttpReply reply = stream->http.stream(url, [&](const std::string& entry) {
        file << log_line(entry);
        file.flush();  // a reader of the task's log sees each line as it comes
      });
      complete = reply.status == 200 && file.good();
      if (reply.status != 200) host_.info("task " + key + ": streaming its log: " + describe_error(reply));
    } catch (const std::exception& e) {
      host_.info("task " + key + ": its log stream broke off (" + e.what() + "); it is read again at its end");
    }
    const std::lock_guard done(stream->mutex);
    stream->ended = true;
    stream->complete = complete;
    stream->ended_cv.notify_all();
  });
  streams_[key] = std::move(stream);
  return true;
}

bool LogStreams::following(const std::string& key) const {
  const std::lock_guard lock(mutex_);
  return streams_.count(key) != 0;
}

bool LogStreams::finish(const std::string& key, std::chrono::milliseconds wait) {
  std::shared_ptr<Stream> stream;
  {
    const std::lock_guard lock(mutex_);
    const auto it = streams_.find(key);
    if (it == streams_.end()) return false;
    stream = it->second;
    streams_.erase(it);
  }
  bool complete = false;
  {
    std::unique_lock lock(stream->mutex);
    stream->ended_cv.wait_for(lock, wait, [&] { return stream->ended; });
    complete = stream->ended && stream->complete;
  }
  if (!complete) stream->http.abort();
  stream->thread.join();
  return complete;
}

}  // namespace weft::argo
