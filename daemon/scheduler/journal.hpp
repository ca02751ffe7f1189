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
// A batch that cannot be written is retried after a delay that doubles from
// a quarter of a second to five seconds (a database restarting, or out of
// reach, is not hammered while it comes back); meanwhile the
// journal is not healthy(), and the scheduler refuses commands that would
// need a write (503) instead of queueing them behind it. Reads, and the
// state in memory, go on.
//
// Event loop thread only.
#pragma once

#include "scheduler/clock.hpp"
#include "scheduler/observer.hpp"
#include "scheduler/store_writer.hpp"

#include <atomic>
#include <functional>
#include <set>
#include <string>
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
  Journal(boost::asio::io_context& io, StoreWriter& writer, Clock& clock);

  // Writes thing's state with the next batch. thing must stay alive until
  // then: owners release marked things only in an after_durable action.
  void mark(Journaled& thing);
  // The same, for a change that may wait: it goes with the next batch, or
  // within lazy_delay if nothing else is written before.
  void mark_soon(Journaled& thing);
  // Writes what append adds with the next batch: for records made once and
  // never changed (an attempt that ended), which their owner does not keep.
  void mark_final(std::function<void(WriteBatch&)> append);
  void after_durable(std::function<void()> action);
  // Writes thing's state with whatever batch goes next, or within lazy_delay
  // if nothing else is written before; unlike a mark, it holds back no
  // after_durable action (nothing waits for it): the audit log.
  void ride_along(Journaled& thing);
  // Writes records that are not kept in memory (workflows, tokens) in a
  // transaction of their own, after every batch before them; done gets the
  // store's answer (a conflict stays a conflict).
  void write(WriteBatch records, StoreWriter::Completion done);

  // A batch refused because another instance took over some of its runs
  // (see weft_write_batch's fencing) waits, instead of being retried, for
  // the handler to find out which and call resubmit_without.
  void on_lease_lost(std::function<void(std::shared_ptr<const WriteBatch> refused)> handler) {
    lease_lost_ = std::move(handler);
  }
  // Writes the refused batch again without the records of runs lost.
  void resubmit_without(const std::set<std::string, std::less<>>& lost);
  // A batch that carries queue messages also prunes up to kMessagePruneLimit
  // messages DONE and enqueued longer ago than retention (0: none): bounded
  // work, and more than a batch ends, so that they stay within it.
  static constexpr int64_t kMessagePruneLimit = 1000;
  void set_message_retention(std::chrono::hours retention) { message_retention_ = retention; }
  // Told of every batch once it is stored; nullptr: nobody.
  void set_observer(SchedulerObserver* observer) { observer_ = observer; }
  // Things marked and not yet in a transaction.
  size_t backlog() const { return marked_.size() + finals_.size(); }

  bool healthy() const { return healthy_; }
  // Why the last write failed, while not healthy.
  const std::string& last_error() const { return last_error_; }
  // Stop retrying failed writes (shutdown).
  void stop();

 private:
  void add(Journaled& thing);
  bool nothing_marked() const { return marked_.empty() && finals_.empty(); }
  void prune_messages_with(WriteBatch& batch) const;
  void schedule_flush();
  void flush();
  void submit_in_flight();
  void on_written(const Status& written);

  boost::asio::io_context& io_;
  StoreWriter& writer_;
  Clock& clock_;
  static constexpr std::chrono::milliseconds lazy_delay{50};
  static constexpr std::chrono::milliseconds first_retry_delay{250};
  static constexpr std::chrono::milliseconds max_retry_delay{5000};
  std::chrono::milliseconds retry_delay_ = first_retry_delay;
  std::unique_ptr<Timer> retry_timer_;
  std::unique_ptr<Timer> lazy_timer_;
  std::vector<Journaled*> marked_;
  std::vector<std::function<void(WriteBatch&)>> finals_;
  std::vector<Journaled*> riders_;
  std::unique_ptr<Timer> rider_timer_;
  bool riders_due_ = false;  // their lazy_delay passed: they go even alone
  std::vector<std::function<void()>> pending_actions_;
  std::shared_ptr<const WriteBatch> in_flight_;
  std::chrono::steady_clock::time_point submitted_at_;  // of in_flight_'s last try: commit time is real time
  SchedulerObserver* observer_ = nullptr;
  std::chrono::hours message_retention_{0};
  std::vector<std::function<void()>> in_flight_actions_;
  bool flush_scheduled_ = false;
  std::atomic<bool> healthy_{true};  // read by API threads (readyz)
  std::string last_error_;
  std::function<void(std::shared_ptr<const WriteBatch>)> lease_lost_;
  bool stopped_ = false;
};

}  // namespace weft::daemon
