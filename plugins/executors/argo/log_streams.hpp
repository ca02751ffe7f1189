// A running task's log, streamed into its stdout file while it runs: the
// log endpoint with logOptions.follow, on a thread and a connection of its
// own per task, up to a bound (a task past it gets its log read once it
// ended, as before streaming). When the task ends its stream is waited for;
// a stream that broke off is replaced by one read of the whole log.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <weft/sdk/plugin.hpp>

#include "argo_config.hpp"
#include "argo_http.hpp"

namespace weft::argo {

// The text of a log stream: one {"result":{"content":..}} object a line, a
// line of the task's log each; "" for a line that is none.
std::string log_line(const std::string& entry);

class LogStreams {
 public:
  LogStreams(const ArgoConfig& config, const sdk::Host& host);
  // Ends the streams still under way.
  ~LogStreams();
  LogStreams(const LogStreams&) = delete;
  LogStreams& operator=(const LogStreams&) = delete;

  // Follows the log at path_and_query (the log endpoint, without follow) into
  // the file `out`, from its start. False: as many streams as the
  // configuration allows run already.
  bool follow(const std::string& key, const std::string& path_and_query, const std::string& out);
  bool following(const std::string& key) const;
  // Waits for the key's stream to end (its pod has ended, so it ends too), up
  // to `wait`. True: the whole log is in its file. False: it broke off, or
  // there was none; the stream is let go either way.
  bool finish(const std::string& key, std::chrono::milliseconds wait);

 private:
  struct Stream;
  ArgoConfig config_;
  sdk::Host host_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Stream>> streams_;
};

}  // namespace weft::argo
