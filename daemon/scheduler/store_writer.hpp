// The one thread that writes to the store. The ABI allows a store one writer
// at a time; giving it its own thread keeps the event loop spawning and
// answering while a transaction commits (and fsyncs).
#pragma once

#include "store/store_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <string>

namespace weft::daemon {

class StoreWriter {
 public:
  // error is empty on success. Called on the io_context's thread.
  using Completion = std::function<void(const std::string& error)>;

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
