// Looks tasks up in the node cache (the store's find_cached) off the event
// loop, in batches: the lookups asked while one batch is read go together
// in the next, as the journal gathers writes, so that a for_each of
// thousands of cached elements costs a few reads, not thousands.
//
// Loop thread, but for the reads themselves (on `reads`). A read that fails
// answers every lookup of its batch with nothing: the tasks run, as they
// would without a cache.
#pragma once

#include "store/store_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace weft::daemon {

class CacheLookups {
 public:
  using Find = std::function<std::vector<std::optional<TaskRecord>>(const std::vector<CacheLookup>&)>;
  using Answer = std::function<void(std::optional<TaskRecord>)>;
  // At most this many lookups go in one read, so that the first answers of
  // a large fan-out come back while the rest are read.
  static constexpr size_t kMaxBatch = 1000;

  // reads must be joined before this goes (its reads use it).
  CacheLookups(boost::asio::io_context& io, boost::asio::thread_pool& reads, Find find);

  // answer is called on the loop, once.
  void find(CacheLookup lookup, Answer answer);

 private:
  struct Batch {
    std::vector<CacheLookup> lookups;
    std::vector<Answer> answers;
  };
  void read_next();
  void answer(Batch batch, std::vector<std::optional<TaskRecord>> found);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& reads_;
  Find find_;
  Batch waiting_;
  bool reading_ = false;
};

}  // namespace weft::daemon
