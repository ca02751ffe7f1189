#include "scheduler/cache_lookups.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>

namespace weft::daemon {

CacheLookups::CacheLookups(boost::asio::io_context& io, boost::asio::thread_pool& reads, Find find)
    : io_(io), reads_(reads), find_(std::move(find)) {}

void CacheLookups::find(CacheLookup lookup, Answer answer) {
  waiting_.lookups.push_back(std::move(lookup));
  waiting_.answers.push_back(std::move(answer));
  if (!reading_) read_next();
}

void CacheLookups::read_next() {
  if (waiting_.lookups.empty()) return;
  reading_ = true;
  Batch batch;
  const size_t count = std::min(kMaxBatch, waiting_.lookups.size());
  const auto take = [count](auto& from, auto& to) {
    const auto end = from.begin() + static_cast<std::ptrdiff_t>(count);
    to.assign(std::make_move_iterator(from.begin()), std::make_move_iterator(end));
    from.erase(from.begin(), end);
  };
  take(waiting_.lookups, batch.lookups);
  take(waiting_.answers, batch.answers);
  boost::asio::post(reads_, [this, batch = std::move(batch)]() mutable {
    std::vector<std::optional<TaskRecord>> found;
    try {
      found = find_(batch.lookups);
    } catch (const StoreError& e) {
      spdlog::warn("the node cache could not be read; {} tasks run without it: {}", batch.lookups.size(), e.what());
    }
    boost::asio::post(io_, [this, batch = std::move(batch), found = std::move(found)]() mutable {
      answer(std::move(batch), std::move(found));
    });
  });
}

void CacheLookups::answer(Batch batch, std::vector<std::optional<TaskRecord>> found) {
  found.resize(batch.answers.size());
  for (size_t i = 0; i < batch.answers.size(); ++i) batch.answers[i](std::move(found[i]));
  reading_ = false;  // only now: lookups the answers asked for wait for the next read
  read_next();
}

}  // namespace weft::daemon
