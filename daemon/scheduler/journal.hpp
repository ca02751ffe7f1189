// Group commit. State changes are made in memory at once and marked here; the
// journal writes everything marked since its last write in one transaction,
// with at most one transaction under way: while it commits, new marks gather
// for the next. Under load this batches many transitions per commit; when
// idle a single change is written at once.
//
// Actions with effects outside the daemon (starting a task, answering a
// client) are registered with after_durable() and run only once every change
// marked before them is stored: nothing is acted on that a crash could undo.
//
// Event loop thread only.
#pragma once

#include "scheduler/store_writer.hpp"

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <vector>

namespace weft::daemon {

// Something whose current state the journal can write as records.
class Journaled {
 public:
  virtual void append_to(WriteBatch& batch) const = 0;
  bool marked = false;

 protected:
  ~Journaled() = default;
};

class Journal {
 public:
  Journal(boost::asio::io_context& io, StoreWriter& writer);

  // Writes thing's state with the next batch. thing must stay alive until
  // then: owners release marked things only in an after_durable action.
  void mark(Journaled& thing);
  // The same, for a change that may wait: it goes with the next batch, or
  // within lazy_delay if nothing else is written before.
  void mark_soon(Journaled& thing);
  void after_durable(std::function<void()> action);
  // Writes records that are not kept in memory (workflows, tokens) the same way.
  void write(WriteBatch records, std::function<void(const std::string& error)> done);

  bool healthy() const { return healthy_; }
  // Stop retrying failed writes (shutdown).
  void stop();

 private:
  void add(Journaled& thing);
  void schedule_flush();
  void flush();
  void on_written(const std::string& error);

  boost::asio::io_context& io_;
  StoreWriter& writer_;
  static constexpr std::chrono::milliseconds lazy_delay{50};
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer lazy_timer_;
  bool lazy_timer_armed_ = false;
  std::vector<Journaled*> marked_;
  std::vector<std::function<void()>> pending_actions_;
  std::shared_ptr<const WriteBatch> in_flight_;
  std::vector<std::function<void()>> in_flight_actions_;
  bool flush_scheduled_ = false;
  bool healthy_ = true;
  bool stopped_ = false;
};

}  // namespace weft::daemon
