#include "api/request_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace weft::daemon {

RequestPool::RequestPool(int max_threads) : max_threads_(static_cast<size_t>(std::max(max_threads, 1))) {}

RequestPool::~RequestPool() { stop(); }

void RequestPool::submit(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  queue_.push_back(std::move(job));
  // One idle thread per queued job; otherwise another thread, up to the bound.
  if (idle_ >= queue_.size()) {
    wake_.notify_one();
  } else if (threads_.size() < max_threads_) {
    threads_.emplace_back([this] { work(); });
  }
}

void RequestPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (auto& thread : threads) thread.join();
}

void RequestPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) return;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("an API request thread: unexpected error (a bug): {}", e.what());
    }
    job = nullptr;  // release what it holds before waiting again
    lock.lock();
  }
}

}  // namespace weft::daemon
