#include "shared_memory_store.hpp"

#include <algorithm>

namespace weft::test {

void SharedMemoryStore::write(const sdk::WriteBatch& batch) {
  std::lock_guard lock(mutex_);
  if (!batch.lease_owner.empty()) {
    for (const auto& fence : batch.leases) {
      const auto lease = leases_.find(fence.run_id);
      const bool stored = records_.get_run(fence.run_id).has_value();
      if (stored && (lease == leases_.end() || lease->second.owner != batch.lease_owner ||
                     lease->second.generation != fence.generation)) {
        throw sdk::LeaseLost("the writer no longer holds the lease of run " + fence.run_id);
      }
    }
  }
  records_.write(batch);
  if (batch.lease_owner.empty()) return;
  for (const auto& run : batch.runs) {
    leases_.try_emplace(run.id, Lease{batch.lease_owner, 1, now_ms() + batch.lease_ms});
  }
}

std::vector<sdk::MessageRecord> SharedMemoryStore::claim_messages(std::string_view queue, int32_t max_taken,
                                                                  std::string_view lease_owner, int64_t lease_ms,
                                                                  const Delivery& deliver) {
  std::lock_guard lock(mutex_);
  auto delivered = records_.claim_messages(queue, max_taken, lease_owner, lease_ms, deliver);
  if (lease_owner.empty()) return delivered;
  for (const auto& message : delivered) {
    leases_.try_emplace(message.run_id, Lease{std::string(lease_owner), 1, now_ms() + lease_ms});
  }
  return delivered;
}

std::vector<std::string> SharedMemoryStore::unfinished_runs_oldest_first() {
  sdk::RunFilter filter;
  filter.unfinished_only = true;
  auto runs = records_.list_runs(filter);
  std::reverse(runs.begin(), runs.end());
  std::vector<std::string> ids;
  for (const auto& run : runs) ids.push_back(run.id);
  return ids;
}

std::vector<sdk::RunLease> SharedMemoryStore::claim_runs(std::string_view instance, int64_t lease_ms, int32_t max,
                                                         sdk::ClaimScope scope) {
  std::lock_guard lock(mutex_);
  std::vector<sdk::RunLease> claimed;
  const int64_t now = now_ms();
  for (const auto& id : unfinished_runs_oldest_first()) {
    if (claimed.size() >= static_cast<size_t>(max)) break;
    Lease& lease = leases_[id];
    const bool unheld = lease.generation == 0;  // inserted by an unfenced write, never claimed
    const bool lapsed = !unheld && (lease.owner.empty() || lease.deadline < now);
    const bool free = (scope.unheld && unheld) || lapsed || (scope.own && lease.owner == instance);
    if (!free) continue;
    lease = {std::string(instance), lease.generation + 1, now + lease_ms};
    claimed.push_back({id, lease.generation});
  }
  return claimed;
}

std::vector<sdk::RunLease> SharedMemoryStore::renew_leases(std::string_view instance, std::string_view address,
                                                           int64_t lease_ms) {
  std::lock_guard lock(mutex_);
  const int64_t now = now_ms();
  instances_[std::string(instance)] = {std::string(address), now};
  std::vector<sdk::RunLease> held;
  for (const auto& id : unfinished_runs_oldest_first()) {
    const auto lease = leases_.find(id);
    if (lease == leases_.end() || lease->second.owner != instance) continue;
    lease->second.deadline = now + lease_ms;
    held.push_back({id, lease->second.generation});
  }
  return held;
}

std::vector<sdk::InstanceRecord> SharedMemoryStore::list_instances() {
  std::lock_guard lock(mutex_);
  const auto unfinished = unfinished_runs_oldest_first();
  std::vector<sdk::InstanceRecord> listed;
  for (const auto& [id, instance] : instances_) {
    const auto held = std::count_if(unfinished.begin(), unfinished.end(), [&, id = id](const std::string& run) {
      const auto lease = leases_.find(run);
      return lease != leases_.end() && lease->second.owner == id;
    });
    listed.push_back({id, instance.address, instance.heartbeat_at, held});
  }
  return listed;
}

int64_t SharedMemoryStore::claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms) {
  std::lock_guard lock(mutex_);
  const auto run = records_.get_run(run_id);
  if (!run) throw sdk::NotFound("run " + std::string(run_id) + " not found");
  if (!sdk::is_final(run->status)) throw sdk::Conflict("run " + std::string(run_id) + " is under way");
  auto& lease = leases_[std::string(run_id)];
  lease = {std::string(instance), lease.generation + 1, now_ms() + lease_ms};
  return lease.generation;
}

void SharedMemoryStore::expire(const std::string& run_id) {
  std::lock_guard lock(mutex_);
  leases_[run_id].deadline = 0;
}

OpenedSharedMemoryStore open_shared_memory_store(std::function<int64_t()> now_ms) {
  const weft_store_vtable* vtable = &sdk::detail::StoreThunks<SharedMemoryStore>::vtable;
  void* handle = nullptr;
  weft_error err{};
  if (vtable->open(nullptr, sdk::str("{}"), &handle, &err) != WEFT_OK) throw std::runtime_error(err.message);
  auto* store = dynamic_cast<SharedMemoryStore*>(static_cast<sdk::Store*>(handle));
  store->now_ms = std::move(now_ms);
  return {store, std::make_unique<daemon::StoreClient>(nullptr, vtable, handle)};
}

}  // namespace weft::test
