// The one thread that writes to the store. The ABI allows a store one writer
// at a time; giving it its own thread keeps the event loop spawning and
// answering while a transaction commits (and fsyncs).
#pragma once

#include "core/result.hpp"
#include "store/store_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <string>

namespace weft::daemon {

class StoreWriter {
 public:
  // Done, or why not: conflict for a write that collided with a stored
  // record, unavailable when the store failed. Called on the io_context's thread.
  using Completion = std::function<void(const Status& written)>;

  StoreWriter(boost::asio::io_context& io, StoreClient& store);
  ~StoreWriter();  // waits for the write under way

  // Writes batch in one transaction, in submission order with other submits.
  void submit(std::shared_ptr<const WriteBatch> batch, Completion done);

 private:
  boost::asio::io_context& io_;
  StoreClient& store_;
  boost::asio::thread_pool thread_{1};
};

}  // namespace weft::daemon
