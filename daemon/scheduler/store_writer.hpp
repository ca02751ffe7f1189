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
  // A fenced batch refused for a lost lease is lease_lost.
  void submit(std::shared_ptr<const WriteBatch> batch, Completion done);
  // Runs work (store calls that write: leases) on the writer's thread, in
  // order with the writes, then done on the io_context's. work must not throw.
  void call(std::function<void()> work, std::function<void()> done);

 private:
  boost::asio::io_context& io_;
  StoreClient& store_;
  boost::asio::thread_pool thread_{1};
};

}  // namespace weft::daemon
