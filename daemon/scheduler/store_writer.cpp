#include "scheduler/store_writer.hpp"

#include <boost/asio/post.hpp>

namespace weft::daemon {

StoreWriter::StoreWriter(boost::asio::io_context& io, StoreClient& store) : io_(io), store_(store) {}

StoreWriter::~StoreWriter() { thread_.join(); }

void StoreWriter::submit(std::shared_ptr<const WriteBatch> batch, Completion done) {
  boost::asio::post(thread_, [this, batch = std::move(batch), done = std::move(done)]() mutable {
    Status written = Done{};
    try {
      if (!batch->empty()) store_.write(*batch);
    } catch (const StoreLeaseLost& e) {
      written = fail(ErrorCode::lease_lost, e.what());
    } catch (const StoreConflict& e) {
      written = fail(ErrorCode::conflict, e.what());
    } catch (const std::exception& e) {
      written = fail(ErrorCode::unavailable, e.what());
    }
    boost::asio::post(io_, [done = std::move(done), written = std::move(written)] { done(written); });
  });
}

void StoreWriter::call(std::function<void()> work, std::function<void()> done) {
  boost::asio::post(thread_, [this, work = std::move(work), done = std::move(done)]() mutable {
    work();
    boost::asio::post(io_, std::move(done));
  });
}

}  // namespace weft::daemon
