#include "memory_store.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace weft::test {

void MemoryStore::fail_if_asked() const {
  if (failing) throw std::runtime_error("database disk image is malformed");
}

void MemoryStore::write(const sdk::WriteBatch& batch) {
  ++write_calls;
  const std::lock_guard gate(write_gate);
  if (failing_writes) throw std::runtime_error("database or disk is full");
  std::lock_guard lock(mutex_);
  refuse_conflicts(batch);
  for (const auto& m : batch.messages) {
    if (m.state == sdk::MessageState::taken) throw std::invalid_argument("only claim_messages stores a message taken");
  }
  for (const auto& w : batch.workflows) workflows_[std::make_pair(w.name, w.version)] = w;
  put_rows(batch);
  for (const auto& m : batch.messages) put_message(m);
  for (const auto& t : batch.tokens) tokens_[t.id] = t;
  for (const auto& a : batch.attempts) attempts_[{a.run_id, a.node, a.index, a.attempt}] = a;
  for (const auto& s : batch.schedule_states) schedule_states_[s.workflow] = s;
  for (const auto& entry : batch.audits) audit_[entry.id] = entry;
  int64_t pruned = 0;
  std::erase_if(audit_, [&](const auto& entry) {
    const bool prune = pruned < batch.audit_prune_limit && entry.second.at < batch.audit_prune_before;
    pruned += prune ? 1 : 0;
    return prune;
  });
  prune_done_messages(batch.message_prune_before, batch.message_prune_limit);
}

void MemoryStore::prune_done_messages(int64_t before, int64_t limit) {
  std::vector<std::pair<int64_t, std::pair<std::string, std::string>>> done;  // oldest first, as the SQL stores
  for (const auto& [key, m] : messages_) {
    if (m.state == sdk::MessageState::done && m.enqueued_at < before) done.push_back({m.enqueued_at, key});
  }
  std::sort(done.begin(), done.end());
  for (size_t i = 0; i < done.size() && static_cast<int64_t>(i) < limit; ++i) messages_.erase(done[i].second);
}

void MemoryStore::put_rows(const sdk::WriteBatch& batch) {
  for (const auto& r : batch.runs) runs_[r.id] = r;
  for (const auto& t : batch.tasks) tasks_[{t.run_id, t.node, t.index}] = t;
}

// As weft_write_batch says: an enqueue inserts or redrives, an end of delivery
// applies to the delivery it names only.
void MemoryStore::put_message(const sdk::MessageRecord& message) {
  const auto stored = messages_.find({message.queue, message.id});
  if (message.state == sdk::MessageState::ready) {
    if (stored == messages_.end()) {
      sdk::MessageRecord enqueued{message.queue, message.id, message.body_json, message.enqueued_at};
      messages_.emplace(std::make_pair(message.queue, message.id), std::move(enqueued));
    } else if (stored->second.state == sdk::MessageState::dead) {
      stored->second.state = sdk::MessageState::ready;
      stored->second.error.clear();
      stored->second.failed_at = 0;
    }
    return;
  }
  if (stored == messages_.end() || stored->second.state != sdk::MessageState::taken ||
      stored->second.run_id != message.run_id) {
    return;
  }
  stored->second.state = message.state;
  stored->second.error = message.error;
  stored->second.failed_at = message.failed_at;
}

std::vector<sdk::MessageRecord> MemoryStore::messages_in(std::string_view queue, sdk::MessageState state) const {
  std::vector<sdk::MessageRecord> found;
  for (const auto& [key, message] : messages_) {
    if (key.first == queue && message.state == state) found.push_back(message);
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return std::tie(a.enqueued_at, a.id) < std::tie(b.enqueued_at, b.id); });
  return found;
}

std::vector<sdk::MessageRecord> MemoryStore::claim_messages(std::string_view queue, int32_t max_taken,
                                                            std::string_view /*lease_owner*/, int64_t /*lease_ms*/,
                                                            const Delivery& deliver) {
  const std::lock_guard gate(write_gate);
  if (failing_writes) throw std::runtime_error("database or disk is full");
  std::lock_guard lock(mutex_);
  const auto room = max_taken - static_cast<int64_t>(messages_in(queue, sdk::MessageState::taken).size());
  std::vector<sdk::MessageRecord> delivered;
  sdk::WriteBatch rows;  // written together, or not at all
  for (auto& message : messages_in(queue, sdk::MessageState::ready)) {
    if (static_cast<int64_t>(delivered.size()) >= room) break;
    message.state = sdk::MessageState::taken;
    ++message.deliveries;
    auto batch = deliver(message);
    if (!batch) break;
    if (batch->runs.empty()) throw std::invalid_argument("a message's delivery batch has no run");
    message.run_id = batch->runs.front().id;
    std::move(batch->runs.begin(), batch->runs.end(), std::back_inserter(rows.runs));
    std::move(batch->tasks.begin(), batch->tasks.end(), std::back_inserter(rows.tasks));
    delivered.push_back(std::move(message));
  }
  refuse_conflicts(rows);
  put_rows(rows);
  for (const auto& message : delivered) messages_[{message.queue, message.id}] = message;
  return delivered;
}

std::vector<sdk::QueueCounts> MemoryStore::list_queues() {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::vector<sdk::QueueCounts> queues;
  for (const auto& [key, message] : messages_) {
    if (queues.empty() || queues.back().queue != key.first) queues.push_back({key.first});
    auto& counts = queues.back();
    if (message.state == sdk::MessageState::ready) ++counts.ready;
    if (message.state == sdk::MessageState::taken) ++counts.taken;
    if (message.state == sdk::MessageState::dead) ++counts.dead;
  }
  return queues;
}

std::vector<sdk::MessageRecord> MemoryStore::list_messages(std::string_view queue, sdk::MessageState state,
                                                           std::string_view after_id, int32_t limit) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  auto found = messages_in(queue, state);
  if (!after_id.empty()) {
    const auto after = messages_.find({std::string(queue), std::string(after_id)});
    if (after == messages_.end()) return {};
    std::erase_if(found, [&](const auto& m) {
      return std::tie(m.enqueued_at, m.id) <= std::tie(after->second.enqueued_at, after->second.id);
    });
  }
  if (limit > 0 && found.size() > static_cast<size_t>(limit)) found.resize(static_cast<size_t>(limit));
  return found;
}

// Checked before anything is written, as a database's transaction would undo it.
void MemoryStore::refuse_conflicts(const sdk::WriteBatch& batch) const {
  std::map<std::pair<std::string, int64_t>, std::string> digests;
  for (const auto& [key, w] : workflows_) digests[key] = w.digest;
  for (const auto& w : batch.workflows) {
    const auto [found, added] = digests.emplace(std::make_pair(w.name, w.version), w.digest);
    if (!added && found->second != w.digest) throw sdk::Conflict("digest differs");
  }
  std::map<std::string, std::string> key_holders;
  for (const auto& [id, r] : runs_) {
    if (!r.idempotency_key.empty()) key_holders[r.idempotency_key] = id;
  }
  for (const auto& r : batch.runs) {
    if (r.idempotency_key.empty()) continue;
    const auto [holder, added] = key_holders.emplace(r.idempotency_key, r.id);
    if (!added && holder->second != r.id) {
      throw sdk::Conflict("another run holds the idempotency key '" + r.idempotency_key + "'");
    }
  }
}

std::optional<sdk::WorkflowRecord> MemoryStore::get_workflow(std::string_view name, int64_t version) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::optional<sdk::WorkflowRecord> found;
  for (const auto& [key, record] : workflows_) {
    if (key.first == name && (version == 0 || key.second == version)) found = record;
  }
  return found;
}

std::vector<sdk::WorkflowRecord> MemoryStore::list_workflows() {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::map<std::string, sdk::WorkflowRecord> latest;
  for (const auto& [key, record] : workflows_) latest[key.first] = record;
  std::vector<sdk::WorkflowRecord> listed;
  for (const auto& [name, record] : latest) {
    if (!record.deleted) listed.push_back(record);
  }
  return listed;
}

std::optional<sdk::RunRecord> MemoryStore::get_run(std::string_view id) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  const auto found = runs_.find(std::string(id));
  if (found == runs_.end()) return std::nullopt;
  return found->second;
}

std::vector<sdk::RunRecord> MemoryStore::list_runs(const sdk::RunFilter& filter) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  const auto newer = [](const sdk::RunRecord& a, const sdk::RunRecord& b) {
    return std::tie(a.created_at, a.id) > std::tie(b.created_at, b.id);
  };
  std::vector<sdk::RunRecord> runs;
  const auto cursor = runs_.find(filter.before_id);
  // As in the sqlite plugin: a cursor naming no run comes before none.
  if (!filter.before_id.empty() && cursor == runs_.end()) return runs;
  for (const auto& [id, run] : runs_) {
    if (!filter.workflow.empty() && run.workflow != filter.workflow) continue;
    if (filter.status && run.status != *filter.status) continue;
    if (!filter.idempotency_key.empty() && run.idempotency_key != filter.idempotency_key) continue;
    if (!filter.parent_run_id.empty() && run.parent_run_id != filter.parent_run_id) continue;
    if (filter.unfinished_only && sdk::is_final(run.status)) continue;
    if (!filter.before_id.empty() && !newer(cursor->second, run)) continue;
    runs.push_back(run);
  }
  std::sort(runs.begin(), runs.end(), newer);
  if (filter.limit > 0 && runs.size() > static_cast<size_t>(filter.limit)) runs.resize(filter.limit);
  return runs;
}

std::vector<sdk::TaskRecord> MemoryStore::list_tasks(std::string_view run_id) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::vector<sdk::TaskRecord> tasks;
  for (const auto& [key, task] : tasks_) {
    if (std::get<0>(key) == run_id) tasks.push_back(task);
  }
  return tasks;
}

std::vector<std::optional<sdk::TaskRecord>> MemoryStore::find_cached(const std::vector<sdk::CacheLookup>& lookups) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::vector<std::optional<sdk::TaskRecord>> found(lookups.size());
  for (size_t i = 0; i < lookups.size(); ++i) {
    const auto& lookup = lookups[i];
    for (const auto& [key, task] : tasks_) {
      const auto run = runs_.find(task.run_id);
      const bool matches = !task.cache_key.empty() && task.cache_key == lookup.cache_key &&
                           task.cached_from.run_id.empty() && task.status == sdk::TaskStatus::succeeded &&
                           task.finished_at >= lookup.not_before && run != runs_.end() &&
                           run->second.workflow == lookup.workflow;
      if (matches && (!found[i] || task.finished_at > found[i]->finished_at)) found[i] = task;
    }
  }
  return found;
}

std::vector<sdk::TokenRecord> MemoryStore::list_tokens() {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::vector<sdk::TokenRecord> tokens;
  for (const auto& [id, token] : tokens_) tokens.push_back(token);
  return tokens;
}

std::vector<sdk::AttemptRecord> MemoryStore::list_attempts(std::string_view run_id) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::vector<sdk::AttemptRecord> attempts;
  for (const auto& [key, attempt] : attempts_) {
    if (std::get<0>(key) == run_id) attempts.push_back(attempt);
  }
  return attempts;
}

std::vector<sdk::AuditRecord> MemoryStore::list_audit(std::string_view before_id, int32_t limit) {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::vector<sdk::AuditRecord> entries;
  auto newest = before_id.empty() ? audit_.end() : audit_.lower_bound(before_id);
  while (newest != audit_.begin() && (limit <= 0 || entries.size() < static_cast<size_t>(limit))) {
    entries.push_back((--newest)->second);
  }
  return entries;
}

std::vector<sdk::ScheduleStateRecord> MemoryStore::list_schedule_states() {
  fail_if_asked();
  std::lock_guard lock(mutex_);
  std::vector<sdk::ScheduleStateRecord> states;
  for (const auto& [workflow, state] : schedule_states_) states.push_back(state);
  return states;
}

OpenedMemoryStore open_memory_store(StoreAbi abi) {
  static const weft_store_vtable abi_2_0 = [] {
    weft_store_vtable v = sdk::detail::StoreThunks<MemoryStore>::vtable;
    v.struct_size = WEFT_STORE_VTABLE_SIZE_2_0;
    return v;
  }();
  const weft_store_vtable* vtable = abi == StoreAbi::v2_0 ? &abi_2_0 : &sdk::detail::StoreThunks<MemoryStore>::vtable;
  void* handle = nullptr;
  weft_error err{};
  if (vtable->open(nullptr, sdk::str("{}"), &handle, &err) != WEFT_OK) throw std::runtime_error(err.message);
  auto* store = dynamic_cast<MemoryStore*>(static_cast<sdk::Store*>(handle));
  return {store, std::make_unique<daemon::StoreClient>(nullptr, vtable, handle)};
}

}  // namespace weft::test
