// Sharing the store with other instances: RunScheduler's part (see
// run_scheduler.hpp).
//
// Every unfinished run this instance drives is held through a lease in the
// store: taken when it inserts the run or claims it, renewed every third of
// the lease, and fencing each of its writes (a write for a run another
// instance has taken over is refused whole). An instance that stops renewing
// loses its runs once their leases run out, and the next instance to claim
// takes them back as after a restart: its executors recover the tasks that
// were under way. Claims and renewals go through the writer's thread, in
// order with the writes.
//
// Load sharing: an instance without room (a ready task already waits for
// one of its limits.max_running_tasks slots) stores a new run unheld
// instead of driving it. The store wakes the instances (work_available:
// LISTEN/NOTIFY on PostgreSQL), and each with room claims unheld runs one at
// a time, so that a claimed run's tasks fill the room before the next claim
// is decided. Nobody polls for them in a loop: the renewal every third of a
// lease also claims once, for a wake-up that got lost.
#include "scheduler/run_scheduler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <limits>

namespace weft::daemon {

namespace {

// A run this instance claimed, as the store has it, with the generation it holds.
struct ClaimedRun {
  RunRecord record;
  std::vector<TaskRecord> tasks;
  int64_t generation = 0;
};

// Runs claimed at once per renewal: another instance with room claims the rest.
constexpr int32_t kClaimBatch = 64;

std::vector<ClaimedRun> read_claimed(StoreClient& store, const std::vector<RunLease>& leases) {
  std::vector<ClaimedRun> claimed;
  for (const auto& lease : leases) {
    auto record = store.get_run(lease.run_id);
    if (!record) continue;
    claimed.push_back({std::move(*record), store.list_tasks(lease.run_id), lease.generation});
  }
  return claimed;
}

// What a claim found, from the writer's thread to the loop.
struct ClaimOutcome {
  std::vector<ClaimedRun> runs;
  std::string error;
};

}  // namespace

// At start, before the loop runs: a heartbeat, so that the instance is
// listed from its start on, then the runs this instance held before it
// stopped (same instance id) and every run whose lease ran out.
// Runs stored unheld are left to the claims for room once the loop runs.
void RunScheduler::recover_claimed() {
  const auto& leases = settings_.leases;
  store_.renew_leases(leases.instance, leases.address, leases.lease.count());
  for (const auto& run :
       read_claimed(store_, store_.claim_runs(leases.instance, leases.lease.count(),
                                              std::numeric_limits<int32_t>::max(), {.unheld = false, .own = true}))) {
    take_back(run.record, run.tasks, run.generation);
  }
  arm_lease_timer();
  boost::asio::post(io_, [this] { work_available(); });
}

void RunScheduler::arm_lease_timer() {
  lease_timer_ = clock_.after(settings_.leases.lease / 3, [this] { renew_and_claim(); });
}

// The next renewal is armed first: renewals keep to every third of a lease
// however long one takes, and none is missed for one still under way. The
// runs of an instance that stopped renewing are taken over room or not:
// their tasks may be under way, and wait for someone to follow them.
void RunScheduler::renew_and_claim() {
  if (!draining_) arm_lease_timer();
  auto found = std::make_shared<ClaimOutcome>();
  const auto& leases = settings_.leases;
  writer_.call(
      [this, found, leases] {
        try {
          store_.renew_leases(leases.instance, leases.address, leases.lease.count());
          found->runs = read_claimed(
              store_, store_.claim_runs(leases.instance, leases.lease.count(), kClaimBatch, {.unheld = false}));
        } catch (const std::exception& e) {
          found->error = e.what();
        }
      },
      [this, found] {
        if (!found->error.empty()) spdlog::error("cannot renew this instance's leases: {}", found->error);
        for (const auto& run : found->runs) adopt(run.record, run.tasks, run.generation);
        work_available();
      });
}

// Generation 1: the run was stored unheld; a later one was held before.
void RunScheduler::adopt(const RunRecord& record, const std::vector<TaskRecord>& tasks, int64_t generation) {
  if (const auto held = runs_.find(record.id); held != runs_.end()) {
    // Its lease ran out while the store was out of reach, and no one else took it.
    held->second->lease_generation = generation;
    return;
  }
  if (generation > 1) {
    spdlog::info("run {}: taken over from an instance that stopped renewing its lease", record.id);
  } else {
    spdlog::info("run {}: claimed, stored unheld by an instance that had no room", record.id);
  }
  take_back(record, tasks, generation);
}

void RunScheduler::work_available() {
  claim_every_queue();  // the notice may be of a message another instance enqueued
  if (!shared_) return;
  unheld_may_wait_ = true;
  ++work_notices_;
  claim_if_room();
}

bool RunScheduler::has_room() const { return !draining_ && dispatcher_.has_room(); }

void RunScheduler::claim_if_room() {
  if (!unheld_may_wait_ || claiming_for_room_ || !has_room()) return;
  claiming_for_room_ = true;
  auto found = std::make_shared<ClaimOutcome>();
  const auto& leases = settings_.leases;
  writer_.call(
      [this, found, leases] {
        try {
          found->runs = read_claimed(store_, store_.claim_runs(leases.instance, leases.lease.count(), 1, {}));
        } catch (const std::exception& e) {
          found->error = e.what();
        }
      },
      [this, found, notices = work_notices_] {
        claiming_for_room_ = false;
        if (!found->error.empty()) return spdlog::error("cannot claim runs stored unheld: {}", found->error);
        // A notice that came while the claim was under way may be for a run it did not see.
        if (found->runs.empty() && work_notices_ == notices) unheld_may_wait_ = false;
        for (const auto& run : found->runs) adopt(run.record, run.tasks, run.generation);
        // Posted: the claimed run's ready tasks are dispatched first, and say whether room is left.
        boost::asio::post(io_, [this] { claim_if_room(); });
      });
}

// No room here: the run goes to the store unheld (no lease: the batch is
// unfenced), for the first instance with room to claim, this one included.
void RunScheduler::store_unheld(std::unique_ptr<RunState> run, const std::function<void(Result<RunCreated>)>& reply) {
  run->lease_generation = 0;
  WriteBatch batch;
  run->append_to(batch);
  for (const auto& node : run->nodes) node.row.append_to(batch);
  if (!run->idempotency_key.empty()) idempotency_keys_.emplace(run->idempotency_key, run->id);
  journal_.write(
      std::move(batch), [this, run = std::shared_ptr<RunState>(std::move(run)), reply](const Status& written) {
        if (!run->idempotency_key.empty()) idempotency_keys_.erase(run->idempotency_key);
        if (!written) {
          return reply(fail(written.failure().code, "the run was not stored: " + written.failure().message));
        }
        spdlog::info("run {} of workflow {} stored unheld: this instance has no room (limits.max_running_tasks)",
                     run->id, run->workflow->name);
        reply(RunCreated{run->id, run->status, true});
        work_available();
      });
}

// A batch was refused: some of its runs are held by another instance now.
// Which ones the store says; those are let go and the rest written again.
void RunScheduler::lease_lost(const std::shared_ptr<const WriteBatch>& refused) {
  auto lost = std::make_shared<std::set<std::string, std::less<>>>();
  const auto& leases = settings_.leases;
  writer_.call(
      [this, refused, lost, leases] {
        std::set<std::pair<std::string, int64_t>> held;
        try {
          for (auto& lease : store_.renew_leases(leases.instance, leases.address, leases.lease.count())) {
            held.emplace(std::move(lease.run_id), lease.generation);
          }
          for (const auto& lease : refused->leases) {
            // A run the batch inserts is not stored yet, and not lost.
            if (!held.count({lease.run_id, lease.generation}) && store_.get_run(lease.run_id)) {
              lost->insert(lease.run_id);
            }
          }
        } catch (const std::exception& e) {
          spdlog::error("cannot tell which runs another instance took over: {}", e.what());
        }
      },
      [this, lost] {
        for (const auto& id : *lost) abandon(id);
        journal_.resubmit_without(*lost);
      });
}

// Another instance drives the run now (and recovers its tasks through its
// executors): this one stops touching it, without stopping its tasks.
void RunScheduler::abandon(const std::string& run_id) {
  const auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  std::shared_ptr<RunState> run = std::move(it->second);
  runs_.erase(it);
  spdlog::warn("run {}: another instance took it over; this one lets go of it", run_id);
  run->abandoned = true;
  run->deadline.reset();
  const auto let_go = [this](TaskState& task) {
    task.timer.reset();
    active_.erase(task.key());
    release_attempt(task);
  };
  for (auto& node : run->nodes) {
    let_go(node.row);
    for (auto& element : node.elements) let_go(*element);
    node.ready.clear();
  }
  run->nodes_with_ready.clear();
  dispatcher_.forget(*run);  // after the slots went back: giving one back queues the run again
  if (!run->idempotency_key.empty()) idempotency_keys_.erase(run->idempotency_key);
  // Marked parts of it are skipped by the next batch; freed after it.
  journal_.after_durable([run] {});
}

}  // namespace weft::daemon
