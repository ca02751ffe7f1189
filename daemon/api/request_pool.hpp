// The API's request threads: they read requests through Poco and answer them,
// waiting on the store and the scheduler where an endpoint must. Started on
// demand, up to a bound; a job waits in the queue while all are busy (the
// connection loop answers 503 for a request that waits too long there).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace weft::daemon {

class RequestPool {
 public:
  explicit RequestPool(int max_threads);
  ~RequestPool();  // stop()
  RequestPool(const RequestPool&) = delete;
  RequestPool& operator=(const RequestPool&) = delete;

  // Any thread; never blocks. Dropped once stop() was called.
  void submit(std::function<void()> job);
  // Drops what is queued and waits for the jobs under way. Idempotent.
  void stop();

 private:
  void work();

  const size_t max_threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace weft::daemon
