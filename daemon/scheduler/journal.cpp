#include "scheduler/journal.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/post.hpp>

namespace weft::daemon {

Journal::Journal(boost::asio::io_context& io, StoreWriter& writer, Clock& clock)
    : io_(io), writer_(writer), clock_(clock) {}

void Journal::mark(Journaled& thing) {
  add(thing);
  schedule_flush();
}

void Journal::mark_soon(Journaled& thing) {
  add(thing);
  if (lazy_timer_) return;
  lazy_timer_ = clock_.after(lazy_delay, [this] {
    lazy_timer_.reset();
    schedule_flush();
  });
}

void Journal::mark_final(std::function<void(WriteBatch&)> append) {
  finals_.push_back(std::move(append));
  schedule_flush();
}

void Journal::ride_along(Journaled& thing) {
  if (!thing.marked) {
    thing.marked = true;
    riders_.push_back(&thing);
  }
  // Riders already due go with the next flush; one may not be scheduled, as
  // the flush their timer asked for had none left to carry.
  if (riders_due_) return schedule_flush();
  if (rider_timer_) return;
  rider_timer_ = clock_.after(lazy_delay, [this] {
    rider_timer_.reset();
    riders_due_ = true;
    schedule_flush();
  });
}

void Journal::add(Journaled& thing) {
  if (!thing.marked) {
    thing.marked = true;
    marked_.push_back(&thing);
  }
}

void Journal::after_durable(std::function<void()> action) {
  if (nothing_marked() && in_flight_ == nullptr) {
    boost::asio::post(io_, std::move(action));
  } else if (nothing_marked()) {
    in_flight_actions_.push_back(std::move(action));  // everything marked so far is in that batch
  } else {
    pending_actions_.push_back(std::move(action));
    schedule_flush();  // what is marked may be waiting lazily: the action must not
  }
}

void Journal::write(WriteBatch records, StoreWriter::Completion done) {
  prune_messages_with(records);
  // Its own transaction, so that a conflict fails this write alone; the
  // writer keeps submission order, so it lands after every batch before it.
  writer_.submit(std::make_shared<const WriteBatch>(std::move(records)), std::move(done));
}

void Journal::prune_messages_with(WriteBatch& batch) const {
  if (batch.messages.empty() || message_retention_.count() <= 0) return;
  batch.message_prune_before =
      clock_.now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(message_retention_).count();
  batch.message_prune_limit = kMessagePruneLimit;
}

void Journal::schedule_flush() {
  // Posted, not immediate: every change made by the handlers already queued
  // joins this batch.
  if (flush_scheduled_ || in_flight_ != nullptr) return;
  flush_scheduled_ = true;
  boost::asio::post(io_, [this] { flush(); });
}

void Journal::flush() {
  flush_scheduled_ = false;
  const bool riders_go = riders_due_ && !riders_.empty();
  if (in_flight_ != nullptr || stopped_ || (nothing_marked() && pending_actions_.empty() && !riders_go)) return;
  riders_due_ = false;
  auto batch = std::make_shared<WriteBatch>();
  for (const auto& append : finals_) append(*batch);
  finals_.clear();
  for (auto* things : {&marked_, &riders_}) {
    for (Journaled* thing : *things) {
      thing->marked = false;
      thing->append_to(*batch);
    }
    things->clear();
  }
  prune_messages_with(*batch);
  std::sort(batch->leases.begin(), batch->leases.end(),
            [](const RunLease& a, const RunLease& b) { return a.run_id < b.run_id; });
  batch->leases.erase(std::unique(batch->leases.begin(), batch->leases.end()), batch->leases.end());
  in_flight_ = batch;
  in_flight_actions_ = std::move(pending_actions_);
  pending_actions_.clear();
  submit_in_flight();
}

void Journal::submit_in_flight() {
  submitted_at_ = std::chrono::steady_clock::now();
  writer_.submit(in_flight_, [this](const Status& written) { on_written(written); });
}

void Journal::on_written(const Status& written) {
  if (!written && written.failure().code == ErrorCode::lease_lost && lease_lost_ && !stopped_) {
    spdlog::warn("{}", written.failure().message);
    return lease_lost_(in_flight_);
  }
  if (!written) {
    if (healthy_) spdlog::error("cannot store state changes, retrying with backoff: {}", written.failure().message);
    healthy_ = false;
    last_error_ = written.failure().message;
    if (stopped_) return;
    retry_timer_ = clock_.after(retry_delay_, [this] { submit_in_flight(); });
    retry_delay_ = std::min(retry_delay_ * 2, max_retry_delay);
    return;
  }
  retry_delay_ = first_retry_delay;
  if (!healthy_) spdlog::info("storing state changes works again");
  healthy_ = true;
  last_error_.clear();
  if (observer_ != nullptr) observer_->stored(in_flight_, std::chrono::steady_clock::now() - submitted_at_);
  in_flight_.reset();
  auto actions = std::move(in_flight_actions_);
  in_flight_actions_.clear();
  for (auto& action : actions) action();
  if (!nothing_marked() || !pending_actions_.empty() || (riders_due_ && !riders_.empty())) flush();
}

void Journal::resubmit_without(const std::set<std::string, std::less<>>& lost) {
  auto batch = std::make_shared<WriteBatch>(*in_flight_);
  const auto of_lost = [&](const auto& record) { return lost.count(record.run_id) > 0; };
  std::erase_if(batch->runs, [&](const RunRecord& r) { return lost.count(r.id) > 0; });
  std::erase_if(batch->tasks, of_lost);
  std::erase_if(batch->attempts, of_lost);
  std::erase_if(batch->leases, of_lost);
  in_flight_ = batch;
  writer_.submit(in_flight_, [this](const Status& again) { on_written(again); });
}

void Journal::stop() {
  stopped_ = true;
  retry_timer_.reset();
  lazy_timer_.reset();
  rider_timer_.reset();
}

}  // namespace weft::daemon
