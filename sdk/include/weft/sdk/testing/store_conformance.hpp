// The store conformance suite: GoogleTest tests that every storage plugin
// passes, ours and third parties'. They drive the store only through its C
// vtable (weft_store_vtable), so they test the path the daemon takes.
//
// Include this header in exactly one .cpp of a test binary (it defines the
// tests), link GTest, and instantiate it once per store:
//
//   WEFT_STORE_CONFORMANCE(Sqlite, weft::sdk::testing::StoreUnderTest{
//       "sqlite",
//       [] { return weft::sdk::testing::load_store_vtable("/path/libweft-storage-sqlite.so.2", "sqlite"); },
//       [](const std::filesystem::path& scratch) {
//         return nlohmann::json{{"path", (scratch / "weft.db").string()}}.dump(); }});
//
// Where the ABI leaves a choice open, the suite pins what the daemon relies
// on: a paging cursor (before_id) naming no run yields an empty page.
// The cases of ABI 2.1 (paused runs, a task's retry budget, attempts,
// schedule states, token expiry and scope, the audit log, a task's cache
// key and origin) are part of the suite: a store of ABI 2.1 keeps them all.
//
// Over 400 lines on purpose: the whole suite is one header, so that a third
// party instantiates it with one include and one macro.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <weft/sdk/records.hpp>
#include <weft/sdk/store.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>

namespace weft::sdk::testing {

// One store implementation to run the suite against.
struct StoreUnderTest {
  std::string name;  // shown in test names: letters, digits and underscores only
  // Returns the vtable to test; called at the start of every test.
  std::function<const weft_store_vtable*()> vtable;
  // Returns the config JSON of a new, empty store. scratch_dir is an empty
  // directory made for this test and removed after it. Called once per test:
  // reopening uses the same config.
  std::function<std::string(const std::filesystem::path& scratch_dir)> fresh_config;
  // A shared store (2.1) that calls weft_host_api.work_available on every
  // instance's handle when a run is stored unheld: the shared suite checks it.
  bool wakes_instances = false;
};

inline void PrintTo(const StoreUnderTest& store, std::ostream* out) { *out << store.name; }

// The vtable of the storage factory type_name of the plugin at path, loaded
// as weftd loads it; throws std::runtime_error naming the file if it cannot.
inline const weft_store_vtable* load_store_vtable(const std::string& path, std::string_view type_name) {
  return &LoadedPlugin(path).store_vtable(type_name);
}

struct WriteResult {
  weft_status status;
  std::string message;
};

// An open store, reached through its vtable only. Read calls report any
// status other than OK (and NOT_FOUND for the get_* calls) as a test failure;
// they may be called from several threads at once, like the vtable's.
class StoreHandle {
 public:
  // host must outlive the handle.
  StoreHandle(const weft_store_vtable* vtable, const std::string& config_json, const weft_host_api* host = quiet_host())
      : vtable_(vtable) {
    weft_error err{};
    const weft_status status = vtable_->open(host, str(config_json), &store_, &err);
    if (status != WEFT_OK) throw std::runtime_error("open(" + config_json + ") failed: " + err.message);
  }
  ~StoreHandle() { vtable_->close(store_); }
  StoreHandle(const StoreHandle&) = delete;
  StoreHandle& operator=(const StoreHandle&) = delete;

  int32_t schema_version() const { return vtable_->schema_version(store_); }

  WriteResult write(const WriteBatch& batch) const {
    const AbiWriteBatch abi(batch);
    weft_error err{};
    const weft_status status = vtable_->write(store_, abi.get(), &err);
    return {status, status == WEFT_OK ? "" : err.message};
  }

  std::optional<WorkflowRecord> get_workflow(std::string_view name, int64_t version) const {
    return get_one<WorkflowRecord>("get_workflow", [&](auto visit, void* out, weft_error* err) {
      return vtable_->get_workflow(store_, str(name), version, visit, out, err);
    });
  }
  std::vector<WorkflowRecord> list_workflows() const {
    return list<WorkflowRecord>("list_workflows", [&](auto visit, void* out, weft_error* err) {
      return vtable_->list_workflows(store_, visit, out, err);
    });
  }
  std::optional<RunRecord> get_run(std::string_view id) const {
    return get_one<RunRecord>("get_run", [&](auto visit, void* out, weft_error* err) {
      return vtable_->get_run(store_, str(id), visit, out, err);
    });
  }
  // Stops the walk after stop_after records when that is not 0.
  std::vector<RunRecord> list_runs(const RunFilter& filter, size_t stop_after = 0) const {
    const weft_run_filter abi = to_abi(filter);
    return list<RunRecord>(
        "list_runs",
        [&](auto visit, void* out, weft_error* err) { return vtable_->list_runs(store_, &abi, visit, out, err); },
        stop_after);
  }
  std::vector<TaskRecord> list_tasks(std::string_view run_id) const {
    return list<TaskRecord>("list_tasks", [&](auto visit, void* out, weft_error* err) {
      return vtable_->list_tasks(store_, str(run_id), visit, out, err);
    });
  }
  std::vector<TokenRecord> list_tokens() const {
    return list<TokenRecord>("list_tokens", [&](auto visit, void* out, weft_error* err) {
      return vtable_->list_tokens(store_, visit, out, err);
    });
  }
  std::vector<AttemptRecord> list_attempts(std::string_view run_id) const {
    return list<AttemptRecord>("list_attempts", [&](auto visit, void* out, weft_error* err) {
      return vtable_->list_attempts(store_, str(run_id), visit, out, err);
    });
  }
  std::vector<ScheduleStateRecord> list_schedule_states() const {
    return list<ScheduleStateRecord>("list_schedule_states", [&](auto visit, void* out, weft_error* err) {
      return vtable_->list_schedule_states(store_, visit, out, err);
    });
  }
  std::vector<AuditRecord> list_audit(std::string_view before_id, int32_t limit) const {
    return list<AuditRecord>("list_audit", [&](auto visit, void* out, weft_error* err) {
      return vtable_->list_audit(store_, str(before_id), limit, visit, out, err);
    });
  }

  // Queues (2.1; see store_queue_conformance.hpp). deliver gives the batch
  // of each message's run, or nullopt to stop.
  struct MessageClaim {
    weft_status status;
    std::vector<MessageRecord> delivered;
    std::string message;
  };
  bool keeps_queues() const {
    return WEFT_HAS_FIELD(vtable_, weft_store_vtable, list_messages) && vtable_->claim_messages != nullptr;
  }
  MessageClaim claim_messages(std::string_view queue, int32_t max_taken, std::string_view lease_owner,
                              const Store::Delivery& deliver) const {
    struct State {
      const Store::Delivery& deliver;
      std::vector<std::unique_ptr<std::pair<WriteBatch, std::optional<AbiWriteBatch>>>> batches{};
      MessageClaim claim{};
    } state{deliver};
    weft_error err{};
    state.claim.status = vtable_->claim_messages(
        store_, str(queue), max_taken, str(lease_owner), 600000,
        [](void* out, const weft_message_record* message, const weft_write_batch** batch) {
          auto* s = static_cast<State*>(out);
          auto given = s->deliver(from_abi(*message));
          *batch = nullptr;
          if (!given) return;
          auto& kept = *s->batches.emplace_back(
              std::make_unique<std::pair<WriteBatch, std::optional<AbiWriteBatch>>>(std::move(*given), std::nullopt));
          kept.second.emplace(kept.first);
          *batch = kept.second->get();
        },
        [](void* out, const weft_message_record* message) {
          static_cast<State*>(out)->claim.delivered.push_back(from_abi(*message));
          return 0;
        },
        &state, &err);
    state.claim.message = err.message;
    return std::move(state.claim);
  }
  std::vector<QueueCounts> list_queues() const {
    std::vector<QueueCounts> queues;
    weft_error err{};
    const weft_status status = vtable_->list_queues(
        store_,
        [](void* out, weft_str queue, int64_t ready, int64_t taken, int64_t dead) {
          static_cast<std::vector<QueueCounts>*>(out)->push_back({copy(queue), ready, taken, dead});
          return 0;
        },
        &queues, &err);
    EXPECT_EQ(status, WEFT_OK) << "list_queues: " << err.message;
    return queues;
  }
  std::vector<MessageRecord> list_messages(std::string_view queue, MessageState state, std::string_view after_id = {},
                                           int32_t limit = 0) const {
    return list<MessageRecord>("list_messages", [&](auto visit, void* out, weft_error* err) {
      return vtable_->list_messages(store_, str(queue), static_cast<int32_t>(state), str(after_id), limit, visit, out,
                                    err);
    });
  }

  // The node cache (2.1; see store_cache_conformance.hpp): one entry per
  // lookup; a failing status fails the test.
  bool keeps_cache() const {
    return WEFT_HAS_FIELD(vtable_, weft_store_vtable, find_cached) && vtable_->find_cached != nullptr;
  }
  std::vector<std::optional<TaskRecord>> find_cached(const std::vector<CacheLookup>& lookups) const {
    struct Found {
      std::vector<std::optional<TaskRecord>> tasks;
      std::string problem{};
    } found{std::vector<std::optional<TaskRecord>>(lookups.size())};
    const AbiViews<CacheLookup> abi(lookups);
    weft_error err{};
    const weft_status status = vtable_->find_cached(
        store_, abi.data(), abi.size(),
        [](void* out, size_t lookup, const weft_task_record* record) {
          auto* f = static_cast<Found*>(out);
          if (lookup >= f->tasks.size()) {
            f->problem = "a task for lookup " + std::to_string(lookup) + ", which was not asked";
          } else if (f->tasks[lookup]) {
            f->problem = "two tasks for lookup " + std::to_string(lookup);
          } else {
            f->tasks[lookup] = from_abi(*record);
          }
          return f->problem.empty() ? 0 : 1;
        },
        &found, &err);
    EXPECT_EQ(status, WEFT_OK) << "find_cached: " << err.message;
    EXPECT_EQ(found.problem, "") << "find_cached visited " << found.problem;
    return std::move(found.tasks);
  }

  // The 2.1 functions of a store that instances share (see
  // store_shared_conformance.hpp); a failing status fails the test.
  bool shared() const {
    return WEFT_HAS_FIELD(vtable_, weft_store_vtable, claim_finished_run) && vtable_->claim_runs != nullptr;
  }
  // The batch fenced by owner's leases (batch.leases).
  WriteResult write_as(WriteBatch batch, std::string owner, int64_t lease_ms) const {
    batch.lease_owner = std::move(owner);
    batch.lease_ms = lease_ms;
    return write(batch);
  }
  std::vector<RunLease> claim_runs(std::string_view instance, int64_t lease_ms, int32_t max, ClaimScope scope) const {
    return leases("claim_runs", [&](weft_lease_visitor visit, void* out, weft_error* err) {
      return vtable_->claim_runs(store_, str(instance), lease_ms, max, scope.flags(), visit, out, err);
    });
  }
  std::vector<RunLease> renew_leases(std::string_view instance, std::string_view address, int64_t lease_ms) const {
    return leases("renew_leases", [&](weft_lease_visitor visit, void* out, weft_error* err) {
      return vtable_->renew_leases(store_, str(instance), str(address), lease_ms, visit, out, err);
    });
  }
  std::vector<InstanceRecord> list_instances() const {
    std::vector<InstanceRecord> instances;
    weft_error err{};
    const weft_status status = vtable_->list_instances(
        store_,
        [](void* out, weft_str id, weft_str address, int64_t heartbeat_at, int64_t runs_held) {
          static_cast<std::vector<InstanceRecord>*>(out)->push_back({copy(id), copy(address), heartbeat_at, runs_held});
          return 0;
        },
        &instances, &err);
    EXPECT_EQ(status, WEFT_OK) << "list_instances: " << err.message;
    return instances;
  }
  struct FinishedRunClaim {
    weft_status status;
    int64_t generation;  // when status is WEFT_OK
    std::string message;
  };
  FinishedRunClaim claim_finished_run(std::string_view instance, std::string_view run_id, int64_t lease_ms) const {
    weft_error err{};
    int64_t generation = 0;
    const weft_status status =
        vtable_->claim_finished_run(store_, str(instance), str(run_id), lease_ms, &generation, &err);
    return {status, generation, err.message};
  }

 private:
  template <class Record>
  struct Collected {
    std::vector<Record> records;
    size_t stop_after = 0;
    std::string unreadable;  // why a record could not be read, which stopped the walk
  };

  // The visitor a vtable call gets: copies each record out of its borrowed
  // view. It is called from the store's frames, so nothing may be thrown
  // from it: a record that cannot be read (too small, a status that is no
  // status) stops the walk and fails the test.
  template <class Record, class Abi>
  static int collect(void* out, const Abi* record) noexcept {
    auto* collected = static_cast<Collected<Record>*>(out);
    try {
      collected->records.push_back(from_abi(*record));
    } catch (const std::exception& e) {
      collected->unreadable = e.what();
      return 1;
    }
    return collected->stop_after != 0 && collected->records.size() >= collected->stop_after ? 1 : 0;
  }

  template <class Record, class Call>
  static std::vector<Record> call(const char* what, Call call_vtable, size_t stop_after, bool allow_not_found) {
    Collected<Record> collected{{}, stop_after, {}};
    weft_error err{};
    const weft_status status =
        call_vtable([](void* out, const auto* record) { return collect<Record>(out, record); }, &collected, &err);
    if (!collected.unreadable.empty()) {
      ADD_FAILURE() << what << " visited a record that cannot be read: " << collected.unreadable;
      return {};
    }
    if (status == WEFT_OK || (allow_not_found && status == WEFT_NOT_FOUND)) return std::move(collected.records);
    ADD_FAILURE() << what << " returned status " << status << ": " << err.message;
    return {};
  }

  template <class Record, class Call>
  static std::optional<Record> get_one(const char* what, Call call_vtable) {
    auto records = call<Record>(what, call_vtable, 0, true);
    EXPECT_LE(records.size(), 1u) << what << " visited more than one record";
    if (records.empty()) return std::nullopt;
    return records.front();
  }

  template <class Record, class Call>
  static std::vector<Record> list(const char* what, Call call_vtable, size_t stop_after = 0) {
    return call<Record>(what, call_vtable, stop_after, false);
  }

  template <class Call>
  static std::vector<RunLease> leases(const char* what, Call call_vtable) {
    std::vector<RunLease> found;
    weft_error err{};
    const weft_status status = call_vtable(
        [](void* out, weft_str run_id, int64_t generation) {
          static_cast<std::vector<RunLease>*>(out)->push_back({copy(run_id), generation});
          return 0;
        },
        &found, &err);
    EXPECT_EQ(status, WEFT_OK) << what << ": " << err.message;
    return found;
  }

  const weft_store_vtable* vtable_;
  void* store_ = nullptr;
};

// Records as JSON, so that a failed comparison shows every field.
inline nlohmann::json describe(const WorkflowRecord& r) {
  return {{"name", r.name},     {"version", r.version},       {"document_json", r.document_json},
          {"digest", r.digest}, {"created_at", r.created_at}, {"deleted", r.deleted}};
}
inline nlohmann::json describe(const RunRecord& r) {
  return {{"id", r.id},
          {"workflow", r.workflow},
          {"version", r.version},
          {"status", std::string(to_string(r.status))},
          {"params_json", r.params_json},
          {"document_json", r.document_json},
          {"idempotency_key", r.idempotency_key},
          {"error", r.error},
          {"created_at", r.created_at},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"parent_run_id", r.parent_run_id},
          {"parent_node", r.parent_node},
          {"parent_index", r.parent_index}};
}
inline nlohmann::json describe(const TaskRecord& r) {
  return {{"run_id", r.run_id},
          {"node", r.node},
          {"index", r.index},
          {"status", std::string(to_string(r.status))},
          {"attempt", r.attempt},
          {"exit_code", r.exit_code ? nlohmann::json(*r.exit_code) : nlohmann::json()},
          {"executor", r.executor},
          {"external_id", r.external_id},
          {"error", r.error},
          {"output_json", r.output_json},
          {"ready_at", r.ready_at},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"budget_started_at", r.budget_started_at},
          {"attempts_before", r.attempts_before},
          {"cache_key", r.cache_key},
          {"cached_from", {r.cached_from.run_id, r.cached_from.node, r.cached_from.index}}};
}
inline nlohmann::json describe(const AttemptRecord& r) {
  return {{"run_id", r.run_id},
          {"node", r.node},
          {"index", r.index},
          {"attempt", r.attempt},
          {"status", std::string(to_string(r.status))},
          {"exit_code", r.exit_code ? nlohmann::json(*r.exit_code) : nlohmann::json()},
          {"executor", r.executor},
          {"external_id", r.external_id},
          {"error", r.error},
          {"stdout_path", r.stdout_path},
          {"stderr_path", r.stderr_path},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at}};
}
inline nlohmann::json describe(const ScheduleStateRecord& r) {
  return {{"workflow", r.workflow}, {"paused", r.paused}, {"updated_at", r.updated_at}};
}
inline nlohmann::json describe(const TokenRecord& r) {
  return {{"id", r.id},
          {"hash", r.hash},
          {"role", r.role},
          {"description", r.description},
          {"created_at", r.created_at},
          {"revoked", r.revoked},
          {"expires_at", r.expires_at},
          {"workflows", r.workflows}};
}
inline nlohmann::json describe(const AuditRecord& r) {
  return {{"id", r.id},         {"at", r.at},         {"token_id", r.token_id}, {"role", r.role},
          {"action", r.action}, {"target", r.target}, {"message", r.message},   {"status", r.status}};
}
template <class Record>
nlohmann::json describe(const std::optional<Record>& r) {
  return r ? describe(*r) : nlohmann::json();
}
template <class Record>
nlohmann::json describe(const std::vector<Record>& records) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : records) all.push_back(describe(r));
  return all;
}

// Test data: records with every field set, distinct per key.
inline WorkflowRecord workflow(std::string name, int64_t version, std::string digest = "digest-1") {
  const std::string document = R"({"name":")" + name + R"(","nodes":{"a":{"type":"noop"}}})";
  return {std::move(name), version, document, std::move(digest), 1700000000000 + version, false};
}
inline RunRecord run(const std::string& id, int64_t created_at) {
  return {
      id,         "etl",          3, RunStatus::running, R"({"day":"2024-01-01"})", R"({"nodes":{}})", "key-" + id, "",
      created_at, created_at + 5, 0};
}
// Its cache key and origin are set too: a cache hit, so that no cache lookup finds it.
inline TaskRecord task(std::string run_id, const std::string& node, int64_t index) {
  return {std::move(run_id),
          node,
          index,
          TaskStatus::succeeded,
          3,
          0,
          "process",
          "pid-42",
          "",
          R"({"rows":7})",
          1700000000100,
          1700000000200,
          1700000000300,
          1700000000050,
          1,
          "key-" + node,
          {"run-0", node, index}};
}
inline AttemptRecord attempt(std::string run_id, std::string node, int64_t index, int32_t number) {
  const std::string stem = "/var/lib/weft/runs/" + run_id + "/" + node + "." + std::to_string(number);
  return {std::move(run_id),
          std::move(node),
          index,
          number,
          TaskStatus::failed,
          1,
          "process",
          "pid-4" + std::to_string(number),
          "exit code 1",
          stem + ".stdout",
          stem + ".stderr",
          1700000000200 + number,
          1700000000300 + number};
}
inline constexpr RunStatus kEveryRunStatus[] = {RunStatus::created,   RunStatus::queued, RunStatus::running,
                                                RunStatus::succeeded, RunStatus::failed, RunStatus::cancelled,
                                                RunStatus::paused};
inline constexpr TaskStatus kEveryTaskStatus[] = {
    TaskStatus::pending,   TaskStatus::ready,          TaskStatus::dispatched, TaskStatus::running,
    TaskStatus::retrying,  TaskStatus::succeeded,      TaskStatus::failed,     TaskStatus::skipped,
    TaskStatus::cancelled, TaskStatus::upstream_failed};

inline TokenRecord token(const std::string& id) {
  return {id, "sha256:" + id, "operator", "token " + id, 1700000000000, false, 1800000000000, "etl-*"};
}

// Entry n of an audit log, recorded at 1700000000000 + n ms; ids sort as recorded.
inline AuditRecord audit_entry(int n) {
  char id[32];
  std::snprintf(id, sizeof id, "%016d-a", n);
  return {id,
          1700000000000 + n,
          "t" + std::to_string(n % 3),
          "operator",
          "run.start",
          "run-" + std::to_string(n),
          n % 2 == 0 ? "" : "a token of role 'viewer' may not do this; it needs 'operator'",
          n % 2 == 0 ? 202 : 403};
}

// A filter that differs from "every run" by what set does to it.
template <class Set>
RunFilter filter(Set set) {
  RunFilter f;
  set(f);
  return f;
}

template <class Record, class Key>
std::vector<std::string> keys(const std::vector<Record>& records, Key key) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(key(r));
  return out;
}
inline std::vector<std::string> ids(const std::vector<RunRecord>& runs) {
  return keys(runs, [](const RunRecord& r) { return r.id; });
}
inline std::vector<std::string> ids(const std::vector<TokenRecord>& tokens) {
  return keys(tokens, [](const TokenRecord& r) { return r.id; });
}
inline std::vector<std::string> names(const std::vector<TaskRecord>& tasks) {
  return keys(tasks, [](const TaskRecord& r) { return r.node + "[" + std::to_string(r.index) + "]"; });
}
inline std::vector<std::string> names(const std::vector<WorkflowRecord>& workflows) {
  return keys(workflows, [](const WorkflowRecord& r) { return r.name + " v" + std::to_string(r.version); });
}

class StoreConformance : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override {
    std::string scratch_template = (std::filesystem::temp_directory_path() / "weft-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(scratch_template.data()), nullptr) << "cannot make a scratch directory";
    scratch_ = scratch_template;
    vtable_ = GetParam().vtable();
    config_ = GetParam().fresh_config(scratch_);
    store_.emplace(vtable_, config_);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  const StoreHandle& store() const { return *store_; }
  const weft_store_vtable* vtable() const { return vtable_; }
  const std::string& config() const { return config_; }
  // Closes the store and opens it again with the same config.
  void reopen() {
    store_.reset();
    store_.emplace(vtable_, config_);
  }
  void put(const WriteBatch& batch) {
    const WriteResult result = store().write(batch);
    EXPECT_EQ(result.status, WEFT_OK) << result.message;
  }
  void put_runs(const std::vector<RunRecord>& runs) { put({{}, runs, {}, {}}); }

 private:
  std::filesystem::path scratch_;
  const weft_store_vtable* vtable_ = nullptr;
  std::string config_;
  std::optional<StoreHandle> store_;
};

// ---- workflows ------------------------------------------------------------

TEST_P(StoreConformance, WorkflowIsReadBackByNameAndVersion) {
  put({{workflow("etl", 1), workflow("etl", 2, "digest-2")}, {}, {}, {}});
  EXPECT_EQ(describe(store().get_workflow("etl", 1)), describe(workflow("etl", 1)));
  EXPECT_EQ(describe(store().get_workflow("etl", 2)), describe(workflow("etl", 2, "digest-2")));
}

TEST_P(StoreConformance, MissingWorkflowIsNotFound) {
  put({{workflow("etl", 1)}, {}, {}, {}});
  EXPECT_FALSE(store().get_workflow("other", 0));
  EXPECT_FALSE(store().get_workflow("etl", 2));
}

TEST_P(StoreConformance, VersionZeroGetsTheLatestVersion) {
  put({{workflow("etl", 2, "digest-2"), workflow("etl", 10, "digest-10"), workflow("etl", 9, "digest-9")}, {}, {}, {}});
  EXPECT_EQ(describe(store().get_workflow("etl", 0)), describe(workflow("etl", 10, "digest-10")));
}

TEST_P(StoreConformance, VersionZeroGetsTheLatestVersionEvenWhenDeleted) {
  auto deleted = workflow("etl", 2);
  deleted.deleted = true;
  put({{workflow("etl", 1), deleted}, {}, {}, {}});
  EXPECT_EQ(describe(store().get_workflow("etl", 0)), describe(deleted));
}

TEST_P(StoreConformance, AnExplicitVersionIsReturnedEvenWhenDeleted) {
  auto deleted = workflow("etl", 1);
  deleted.deleted = true;
  put({{deleted}, {}, {}, {}});
  EXPECT_EQ(describe(store().get_workflow("etl", 1)), describe(deleted));
}

TEST_P(StoreConformance, RewritingAVersionWithTheSameDigestUpdatesIt) {
  put({{workflow("etl", 1)}, {}, {}, {}});
  auto deleted = workflow("etl", 1);
  deleted.deleted = true;
  put({{deleted}, {}, {}, {}});
  EXPECT_EQ(describe(store().get_workflow("etl", 1)), describe(deleted));
}

TEST_P(StoreConformance, AVersionStoredWithAnotherDigestIsAConflictNamingTheWorkflow) {
  put({{workflow("etl", 1, "digest-a")}, {}, {}, {}});
  const WriteResult result = store().write({{workflow("etl", 1, "digest-b")}, {}, {}, {}});
  EXPECT_EQ(result.status, WEFT_CONFLICT);
  EXPECT_NE(result.message.find("etl"), std::string::npos) << result.message;
  EXPECT_EQ(describe(store().get_workflow("etl", 1)), describe(workflow("etl", 1, "digest-a")));
}

TEST_P(StoreConformance, TwoDigestsForOneVersionInOneBatchAreAConflict) {
  const WriteResult result =
      store().write({{workflow("etl", 1, "digest-a"), workflow("etl", 1, "digest-b")}, {}, {}, {}});
  EXPECT_EQ(result.status, WEFT_CONFLICT);
  EXPECT_FALSE(store().get_workflow("etl", 1));
}

TEST_P(StoreConformance, ListShowsTheLatestVersionOfEachWorkflowByName) {
  put({{workflow("zeta", 1), workflow("alpha", 1), workflow("alpha", 2, "digest-2"), workflow("mid", 4)}, {}, {}, {}});
  EXPECT_EQ(names(store().list_workflows()), (std::vector<std::string>{"alpha v2", "mid v4", "zeta v1"}));
  EXPECT_EQ(describe(store().list_workflows().front()), describe(workflow("alpha", 2, "digest-2")));
}

TEST_P(StoreConformance, ListLeavesOutWorkflowsWhoseLatestVersionIsDeleted) {
  auto deleted = workflow("etl", 2, "digest-2");
  deleted.deleted = true;
  put({{workflow("etl", 1), deleted, workflow("report", 1)}, {}, {}, {}});
  EXPECT_EQ(names(store().list_workflows()), (std::vector<std::string>{"report v1"}));
}

TEST_P(StoreConformance, ApplyingADeletedWorkflowAgainListsItsNewVersion) {
  auto deleted = workflow("etl", 1);
  deleted.deleted = true;
  put({{deleted}, {}, {}, {}});
  put({{workflow("etl", 2, "digest-2")}, {}, {}, {}});
  EXPECT_EQ(names(store().list_workflows()), (std::vector<std::string>{"etl v2"}));
}

TEST_P(StoreConformance, NoWorkflowsListsNothing) { EXPECT_TRUE(store().list_workflows().empty()); }

// ---- runs -----------------------------------------------------------------

TEST_P(StoreConformance, RunIsReadBackWithEveryField) {
  auto ad_hoc = run("run-2", 200);
  ad_hoc.workflow = "";
  ad_hoc.version = 0;
  ad_hoc.idempotency_key = "";
  ad_hoc.status = RunStatus::failed;
  ad_hoc.error = "node 'load' failed: exit code 3";
  ad_hoc.finished_at = 900;
  put_runs({run("run-1", 100), ad_hoc});
  EXPECT_EQ(describe(store().get_run("run-1")), describe(run("run-1", 100)));
  EXPECT_EQ(describe(store().get_run("run-2")), describe(ad_hoc));
}

TEST_P(StoreConformance, WritingARunAgainReplacesIt) {
  put_runs({run("run-1", 100)});
  auto finished = run("run-1", 100);
  finished.status = RunStatus::succeeded;
  finished.finished_at = 400;
  put_runs({finished});
  EXPECT_EQ(describe(store().get_run("run-1")), describe(finished));
  EXPECT_EQ(store().list_runs({}).size(), 1u);
}

TEST_P(StoreConformance, MissingRunIsNotFound) {
  put_runs({run("run-1", 100)});
  EXPECT_FALSE(store().get_run("run-2"));
}

TEST_P(StoreConformance, RunsAreListedNewestFirst) {
  put_runs({run("b", 200), run("c", 300), run("a", 100)});
  EXPECT_EQ(ids(store().list_runs({})), (std::vector<std::string>{"c", "b", "a"}));
}

TEST_P(StoreConformance, RunsCreatedAtTheSameTimeAreListedByIdDescending) {
  put_runs({run("a", 100), run("c", 100), run("b", 100)});
  EXPECT_EQ(ids(store().list_runs({})), (std::vector<std::string>{"c", "b", "a"}));
}

TEST_P(StoreConformance, ListRunsFiltersByWorkflow) {
  auto other = run("b", 200);
  other.workflow = "report";
  put_runs({run("a", 100), other, run("c", 300)});
  EXPECT_EQ(ids(store().list_runs(filter([](RunFilter& f) { f.workflow = "etl"; }))),
            (std::vector<std::string>{"c", "a"}));
}

TEST_P(StoreConformance, ListRunsFiltersByStatus) {
  auto queued = run("b", 200);
  queued.status = RunStatus::queued;
  put_runs({run("a", 100), queued});
  EXPECT_EQ(ids(store().list_runs(filter([](RunFilter& f) { f.status = RunStatus::queued; }))),
            (std::vector<std::string>{"b"}));
}

TEST_P(StoreConformance, EveryRunStatusIsReadBackAndFilteredOn) {
  std::vector<RunRecord> runs;
  int64_t created_at = 100;
  for (const RunStatus status : kEveryRunStatus) {
    runs.push_back(run(std::string(to_string(status)), created_at++));
    runs.back().status = status;
  }
  put_runs(runs);
  for (const RunRecord& expected : runs) {
    EXPECT_EQ(describe(store().get_run(expected.id)), describe(expected));
    EXPECT_EQ(ids(store().list_runs(filter([&](RunFilter& f) { f.status = expected.status; }))),
              (std::vector<std::string>{expected.id}));
  }
}

TEST_P(StoreConformance, ListRunsFiltersByIdempotencyKey) {
  auto keyless = run("c", 300);
  keyless.idempotency_key = "";
  put_runs({run("a", 100), run("b", 200), keyless});
  EXPECT_EQ(ids(store().list_runs(filter([](RunFilter& f) { f.idempotency_key = "key-b"; }))),
            (std::vector<std::string>{"b"}));
}

// A subworkflow's run names the task that started it (ABI 2.1), and its
// parent's page lists it.
TEST_P(StoreConformance, ARunIsReadBackWithTheTaskThatStartedIt) {
  auto child = run("child", 200);
  child.parent_run_id = "parent";
  child.parent_node = "prepare";
  child.parent_index = 4;
  put_runs({run("parent", 100), child});
  EXPECT_EQ(describe(store().get_run("child")), describe(child));
  EXPECT_EQ(store().get_run("parent")->parent_index, -1);
}

TEST_P(StoreConformance, ListRunsFiltersByParent) {
  std::vector<RunRecord> runs{run("parent", 100), run("other", 150)};
  for (const auto& [id, parent] : {std::pair{"c1", "parent"}, {"c2", "other"}, {"c3", "parent"}}) {
    runs.push_back(run(id, 200 + static_cast<int64_t>(runs.size())));
    runs.back().parent_run_id = parent;
    runs.back().parent_node = "sub";
  }
  put_runs(runs);
  EXPECT_EQ(ids(store().list_runs(filter([](RunFilter& f) { f.parent_run_id = "parent"; }))),
            (std::vector<std::string>{"c3", "c1"}));
  EXPECT_EQ(ids(store().list_runs(filter([](RunFilter& f) {
              f.parent_run_id = "parent";
              f.limit = 1;
            }))),
            (std::vector<std::string>{"c3"}));
  EXPECT_TRUE(store().list_runs(filter([](RunFilter& f) { f.parent_run_id = "c1"; })).empty());
}

// A schedule's firing is a run's idempotency key: the store is what keeps two
// writers (two weftd instances, say) from both starting a run for it.
TEST_P(StoreConformance, ARunWithAnIdempotencyKeyAnotherRunHoldsIsAConflictAndNothingIsStored) {
  put_runs({run("a", 100)});
  auto same_key = run("b", 200);
  same_key.idempotency_key = "key-a";
  const WriteResult result = store().write({{}, {run("c", 300), same_key}, {}, {token("t1")}});
  EXPECT_EQ(result.status, WEFT_CONFLICT);
  EXPECT_NE(result.message.find("key-a"), std::string::npos) << result.message;
  EXPECT_EQ(ids(store().list_runs({})), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(store().list_tokens().empty());
}

TEST_P(StoreConformance, TwoRunsWithOneIdempotencyKeyInOneBatchAreAConflict) {
  auto same_key = run("b", 200);
  same_key.idempotency_key = "key-a";
  EXPECT_EQ(store().write({{}, {run("a", 100), same_key}, {}, {}}).status, WEFT_CONFLICT);
  EXPECT_TRUE(store().list_runs({}).empty());
}

TEST_P(StoreConformance, RunsWithoutIdempotencyKeysNeverConflict) {
  std::vector<RunRecord> keyless = {run("a", 100), run("b", 200)};
  for (auto& r : keyless) r.idempotency_key = "";
  put_runs(keyless);
  put_runs(keyless);
  EXPECT_EQ(store().list_runs({}).size(), 2u);
}

TEST_P(StoreConformance, ListRunsFiltersUnfinishedOnes) {
  std::vector<RunRecord> runs;
  int64_t created_at = 100;
  for (const RunStatus status : kEveryRunStatus) {
    runs.push_back(run(std::string(to_string(status)), created_at++));
    runs.back().status = status;
  }
  put_runs(runs);
  EXPECT_EQ(ids(store().list_runs(filter([](RunFilter& f) { f.unfinished_only = true; }))),
            (std::vector<std::string>{"paused", "running", "queued", "created"}));
}

TEST_P(StoreConformance, ListRunsCombinesFilters) {
  auto other_workflow = run("b", 200);
  other_workflow.workflow = "report";
  auto finished = run("c", 300);
  finished.status = RunStatus::succeeded;
  put_runs({run("a", 100), other_workflow, finished, run("d", 400)});
  RunFilter running_etl;
  running_etl.workflow = "etl";
  running_etl.status = RunStatus::running;
  EXPECT_EQ(ids(store().list_runs(running_etl)), (std::vector<std::string>{"d", "a"}));
  RunFilter unfinished_etl;
  unfinished_etl.workflow = "etl";
  unfinished_etl.unfinished_only = true;
  EXPECT_EQ(ids(store().list_runs(unfinished_etl)), (std::vector<std::string>{"d", "a"}));
}

TEST_P(StoreConformance, ListRunsStopsAtTheLimit) {
  put_runs({run("a", 100), run("b", 200), run("c", 300)});
  EXPECT_EQ(ids(store().list_runs(filter([](RunFilter& f) { f.limit = 2; }))), (std::vector<std::string>{"c", "b"}));
}

TEST_P(StoreConformance, PagingWithBeforeIdWalksEveryRunOnce) {
  // Three runs share a created_at, and a page boundary falls among them.
  put_runs({run("r1", 100), run("r2", 200), run("r3", 200), run("r4", 200), run("r5", 300)});
  std::vector<std::vector<std::string>> pages;
  RunFilter next_page;
  next_page.limit = 2;
  for (auto page = store().list_runs(next_page); !page.empty() && pages.size() < 10;
       page = store().list_runs(next_page)) {
    pages.push_back(ids(page));
    next_page.before_id = page.back().id;
  }
  EXPECT_EQ(pages, (std::vector<std::vector<std::string>>{{"r5", "r4"}, {"r3", "r2"}, {"r1"}}));
}

TEST_P(StoreConformance, PagingAppliesTheFilters) {
  auto other = run("b", 200);
  other.workflow = "report";
  put_runs({run("a", 100), other, run("c", 300), run("d", 400)});
  RunFilter etl_before_c;
  etl_before_c.workflow = "etl";
  etl_before_c.before_id = "c";
  EXPECT_EQ(ids(store().list_runs(etl_before_c)), (std::vector<std::string>{"a"}));
}

TEST_P(StoreConformance, PagingFromAnUnknownRunIsEmpty) {
  put_runs({run("a", 100)});
  EXPECT_TRUE(store().list_runs(filter([](RunFilter& f) { f.before_id = "no-such-run"; })).empty());
}

TEST_P(StoreConformance, AVisitorReturningNonZeroStopsTheWalk) {
  put_runs({run("a", 100), run("b", 200), run("c", 300)});
  EXPECT_EQ(ids(store().list_runs({}, 1)), (std::vector<std::string>{"c"}));
}

// ---- tasks ----------------------------------------------------------------

TEST_P(StoreConformance, TasksAreListedByNodeThenIndex) {
  put_runs({run("run-1", 100)});
  put({{},
       {},
       {task("run-1", "load", -1), task("run-1", "extract", 10), task("run-1", "extract", 2),
        task("run-1", "extract", -1), task("run-1", "merge", -1)},
       {}});
  EXPECT_EQ(names(store().list_tasks("run-1")),
            (std::vector<std::string>{"extract[-1]", "extract[2]", "extract[10]", "load[-1]", "merge[-1]"}));
}

TEST_P(StoreConformance, TaskIsReadBackWithEveryField) {
  put({{}, {}, {task("run-1", "extract", 3)}, {}});
  EXPECT_EQ(describe(store().list_tasks("run-1")), describe(std::vector{task("run-1", "extract", 3)}));
}

TEST_P(StoreConformance, EveryTaskStatusIsReadBack) {
  std::vector<TaskRecord> tasks;
  for (const TaskStatus status : kEveryTaskStatus) {
    tasks.push_back(task("run-1", std::string(to_string(status)), -1));
    tasks.back().status = status;
  }
  put({{}, {}, tasks, {}});
  std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) { return a.node < b.node; });
  EXPECT_EQ(describe(store().list_tasks("run-1")), describe(tasks));
}

TEST_P(StoreConformance, WritingATaskAgainReplacesIt) {
  auto retried = task("run-1", "extract", -1);
  retried.status = TaskStatus::failed;
  retried.attempt = 2;
  retried.exit_code = 137;
  retried.error = "killed by signal 9";
  retried.output_json = "";
  put({{}, {}, {task("run-1", "extract", -1)}, {}});
  put({{}, {}, {retried}, {}});
  EXPECT_EQ(describe(store().list_tasks("run-1")), describe(std::vector{retried}));
}

TEST_P(StoreConformance, AnExitCodeIsAbsentUntilSet) {
  auto pending = task("run-1", "a", -1);
  pending.exit_code = std::nullopt;
  auto exited_zero = task("run-1", "b", -1);
  exited_zero.exit_code = 0;
  put({{}, {}, {pending, exited_zero}, {}});
  const auto tasks = store().list_tasks("run-1");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_FALSE(tasks[0].exit_code.has_value());
  EXPECT_EQ(tasks[1].exit_code, 0);
}

// A task's error may quote what a user wrote, "\u0000" included. A store
// whose text cannot hold a NUL byte (PostgreSQL's) may replace it, but must
// store the rest: a write that failed would be retried without end.
TEST_P(StoreConformance, TextWithANulByteIsStored) {
  auto quoting = task("run-1", "a", -1);
  quoting.error = std::string("no 'x") + '\0' + "y' in params";
  quoting.external_id = std::string("id") + '\0';
  put({{}, {}, {quoting}, {}});
  const auto tasks = store().list_tasks("run-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_TRUE(tasks[0].error == quoting.error || tasks[0].error == "no 'x\xEF\xBF\xBDy' in params") << tasks[0].error;
  EXPECT_EQ(tasks[0].external_id.substr(0, 2), "id");
}

TEST_P(StoreConformance, LargeAndNonAsciiOutputIsKeptExactly) {
  auto big = task("run-1", "a", -1);
  big.output_json = nlohmann::json{{"text", "Grüße, 東京 🚀"}, {"blob", std::string(1 << 20, 'x')}}.dump();
  put({{}, {}, {big}, {}});
  const auto tasks = store().list_tasks("run-1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_TRUE(tasks[0].output_json == big.output_json) << "output differs in size or content";
}

TEST_P(StoreConformance, TaskTextsWithQuotesBracesAndBackslashesAreKeptExactly) {
  auto odd = task("run-1", "a,b {c}", -1);
  odd.error = R"(he said "no", {then} \left; NULL)";
  odd.external_id = "NULL";
  odd.executor = R"(\"x\")";
  odd.output_json = nlohmann::json{{"path", R"(C:\tmp\"q")"}, {"set", "{1,2}"}}.dump();
  put({{}, {}, {odd}, {}});
  EXPECT_EQ(describe(store().list_tasks("run-1")), describe(std::vector{odd}));
}

TEST_P(StoreConformance, ATaskWrittenTwiceInOneBatchKeepsItsLastRecord) {
  auto finished = task("run-1", "a", -1);
  auto started = finished;
  started.status = TaskStatus::running;
  started.exit_code = std::nullopt;
  put({{}, {}, {started, task("run-1", "b", -1), finished}, {}});
  EXPECT_EQ(describe(store().list_tasks("run-1")), describe(std::vector{finished, task("run-1", "b", -1)}));
}

TEST_P(StoreConformance, TasksOfAnotherRunAreNotListed) {
  put({{}, {}, {task("run-1", "a", -1), task("run-2", "b", -1)}, {}});
  EXPECT_EQ(names(store().list_tasks("run-2")), (std::vector<std::string>{"b[-1]"}));
  EXPECT_TRUE(store().list_tasks("run-3").empty());
}

// ---- attempts and schedule states (ABI 2.1) --------------------------------

TEST_P(StoreConformance, AttemptsAreListedWithEveryFieldByNodeIndexAndAttempt) {
  const std::vector<AttemptRecord> written{attempt("run-1", "load", -1, 1), attempt("run-1", "extract", 2, 2),
                                           attempt("run-1", "extract", 2, 1), attempt("run-1", "extract", 0, 1),
                                           attempt("run-2", "extract", -1, 1)};
  put({{}, {}, {}, {}, written});
  EXPECT_EQ(describe(store().list_attempts("run-1")),
            describe(std::vector{attempt("run-1", "extract", 0, 1), attempt("run-1", "extract", 2, 1),
                                 attempt("run-1", "extract", 2, 2), attempt("run-1", "load", -1, 1)}));
  EXPECT_TRUE(store().list_attempts("run-3").empty());
}

TEST_P(StoreConformance, WritingAnAttemptAgainReplacesIt) {
  auto running = attempt("run-1", "a", -1, 1);
  running.status = TaskStatus::running;
  running.exit_code = std::nullopt;
  running.error = "";
  running.finished_at = 0;
  auto ended = attempt("run-1", "a", -1, 1);
  ended.status = TaskStatus::succeeded;
  ended.exit_code = 0;
  ended.error = "";
  put({{}, {}, {}, {}, {running}});
  EXPECT_EQ(describe(store().list_attempts("run-1")), describe(std::vector{running}));
  put({{}, {}, {}, {}, {ended}});
  EXPECT_EQ(describe(store().list_attempts("run-1")), describe(std::vector{ended}));
}

TEST_P(StoreConformance, ScheduleStatesAreListedByWorkflowAndRewritten) {
  put({{}, {}, {}, {}, {}, {{"nightly", true, 1700000000000}, {"hourly", false, 1700000000001}}});
  put({{}, {}, {}, {}, {}, {{"nightly", false, 1700000000002}}});
  EXPECT_EQ(
      describe(store().list_schedule_states()),
      describe(std::vector<ScheduleStateRecord>{{"hourly", false, 1700000000001}, {"nightly", false, 1700000000002}}));
}

// ---- tokens ---------------------------------------------------------------

TEST_P(StoreConformance, TokensAreReadBackWithEveryField) {
  put({{}, {}, {}, {token("t2"), token("t1")}});
  auto tokens = store().list_tokens();
  std::sort(tokens.begin(), tokens.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  EXPECT_EQ(describe(tokens), describe(std::vector{token("t1"), token("t2")}));
}

TEST_P(StoreConformance, RevokingATokenRewritesIt) {
  auto revoked = token("t1");
  revoked.revoked = true;
  put({{}, {}, {}, {token("t1")}});
  put({{}, {}, {}, {revoked}});
  EXPECT_EQ(describe(store().list_tokens()), describe(std::vector{revoked}));
}

TEST_P(StoreConformance, ATokenWithoutExpiryOrScopeReadsBackAsSuch) {
  auto plain = token("t1");
  plain.expires_at = 0;
  plain.workflows = "";
  put({{}, {}, {}, {plain}});
  EXPECT_EQ(describe(store().list_tokens()), describe(std::vector{plain}));
}

// ---- the audit log (ABI 2.1) ------------------------------------------------

inline std::vector<AuditRecord> audit_entries(int first, int last) {
  std::vector<AuditRecord> entries;
  for (int n = first; n <= last; ++n) entries.push_back(audit_entry(n));
  return entries;
}
inline WriteBatch audit_batch(std::vector<AuditRecord> entries, int64_t prune_before = 0, int64_t prune_limit = 0) {
  WriteBatch batch;
  batch.audits = std::move(entries);
  batch.audit_prune_before = prune_before;
  batch.audit_prune_limit = prune_limit;
  return batch;
}
inline std::vector<AuditRecord> newest_first(std::vector<AuditRecord> entries) {
  std::reverse(entries.begin(), entries.end());
  return entries;
}

TEST_P(StoreConformance, AuditEntriesAreListedNewestFirstWithEveryField) {
  put(audit_batch(audit_entries(1, 3)));
  put(audit_batch(audit_entries(4, 5)));
  EXPECT_EQ(describe(store().list_audit("", 0)), describe(newest_first(audit_entries(1, 5))));
  EXPECT_TRUE(store().list_audit(audit_entry(1).id, 0).empty());
}

TEST_P(StoreConformance, PagingTheAuditLogWithBeforeIdWalksEveryEntryOnce) {
  put(audit_batch(audit_entries(1, 7)));
  std::vector<AuditRecord> walked;
  std::string before;
  for (int page = 0; page < 5; ++page) {
    const auto entries = store().list_audit(before, 3);
    EXPECT_LE(entries.size(), 3u);
    if (entries.empty()) break;
    walked.insert(walked.end(), entries.begin(), entries.end());
    before = entries.back().id;
  }
  EXPECT_EQ(describe(walked), describe(newest_first(audit_entries(1, 7))));
}

TEST_P(StoreConformance, AnAuditEntryWrittenAgainIsKeptOnce) {
  put(audit_batch(audit_entries(1, 2)));
  put(audit_batch(audit_entries(2, 2)));
  EXPECT_EQ(describe(store().list_audit("", 0)), describe(newest_first(audit_entries(1, 2))));
}

TEST_P(StoreConformance, PruningDeletesAtMostTheLimitOfTheOldestEntriesBeforeTheCutoff) {
  put(audit_batch(audit_entries(1, 6)));
  const int64_t before_entry_5 = audit_entry(5).at;
  put(audit_batch({}, before_entry_5, 3));
  EXPECT_EQ(describe(store().list_audit("", 0)), describe(newest_first(audit_entries(4, 6))));
  put(audit_batch(audit_entries(7, 7), before_entry_5, 3));
  EXPECT_EQ(describe(store().list_audit("", 0)), describe(newest_first(audit_entries(5, 7))));
}

TEST_P(StoreConformance, ABatchWithAConflictStoresNoAuditEntryAndPrunesNothing) {
  auto first = audit_batch(audit_entries(1, 1));
  first.workflows = {workflow("etl", 1, "digest-a")};
  put(first);
  auto conflicting = audit_batch(audit_entries(2, 2), audit_entry(9).at, 10);
  conflicting.workflows = {workflow("etl", 1, "digest-b")};
  const WriteResult result = store().write(conflicting);
  EXPECT_EQ(result.status, WEFT_CONFLICT);
  EXPECT_EQ(describe(store().list_audit("", 0)), describe(audit_entries(1, 1)));
}

// ---- batches, durability, concurrency --------------------------------------

TEST_P(StoreConformance, ABatchWithAConflictStoresNothing) {
  put({{workflow("etl", 1, "digest-a")}, {}, {}, {}});
  const WriteResult result = store().write({{workflow("fresh", 1), workflow("etl", 1, "digest-b")},
                                            {run("run-1", 100)},
                                            {task("run-1", "a", -1)},
                                            {token("t1")},
                                            {attempt("run-1", "a", -1, 1)},
                                            {{"etl", true, 1700000000000}}});
  EXPECT_EQ(result.status, WEFT_CONFLICT);
  EXPECT_FALSE(store().get_workflow("fresh", 0));
  EXPECT_FALSE(store().get_run("run-1"));
  EXPECT_TRUE(store().list_tasks("run-1").empty());
  EXPECT_TRUE(store().list_tokens().empty());
  EXPECT_TRUE(store().list_attempts("run-1").empty());
  EXPECT_TRUE(store().list_schedule_states().empty());
}

TEST_P(StoreConformance, AnEmptyBatchIsAccepted) { EXPECT_EQ(store().write({}).status, WEFT_OK); }

TEST_P(StoreConformance, EverythingSurvivesCloseAndReopen) {
  put({{workflow("etl", 1)},
       {run("run-1", 100)},
       {task("run-1", "a", -1)},
       {token("t1")},
       {attempt("run-1", "a", -1, 1)},
       {{"etl", true, 1700000000000}},
       {},
       0,
       {},
       audit_entries(1, 1)});
  reopen();
  EXPECT_EQ(describe(store().list_audit("", 0)), describe(audit_entries(1, 1)));
  EXPECT_EQ(describe(store().list_attempts("run-1")), describe(std::vector{attempt("run-1", "a", -1, 1)}));
  EXPECT_EQ(describe(store().list_schedule_states()),
            describe(std::vector<ScheduleStateRecord>{{"etl", true, 1700000000000}}));
  EXPECT_EQ(describe(store().get_workflow("etl", 1)), describe(workflow("etl", 1)));
  EXPECT_EQ(describe(store().get_run("run-1")), describe(run("run-1", 100)));
  EXPECT_EQ(describe(store().list_tasks("run-1")), describe(std::vector{task("run-1", "a", -1)}));
  EXPECT_EQ(describe(store().list_tokens()), describe(std::vector{token("t1")}));
}

TEST_P(StoreConformance, SchemaVersionIsPositiveAndKeptAcrossReopen) {
  const int32_t version = store().schema_version();
  EXPECT_GT(version, 0);
  reopen();
  EXPECT_EQ(store().schema_version(), version);
}

TEST_P(StoreConformance, TheFunctionsForSharingAreAllThereOrNone) {
  if (!WEFT_HAS_FIELD(vtable(), weft_store_vtable, list_instances)) return;  // a 2.0 store: none
  const int present = (vtable()->claim_runs != nullptr) + (vtable()->renew_leases != nullptr) +
                      (vtable()->list_instances != nullptr) + (vtable()->claim_finished_run != nullptr);
  EXPECT_TRUE(present == 0 || present == 4)
      << present << " of claim_runs, renew_leases, list_instances, claim_finished_run";
}

TEST_P(StoreConformance, ReadersSeeWholeBatchesWhileAnotherThreadWrites) {
  // Each batch is one run and its tasks; a reader that sees the run must see all of them.
  constexpr int kBatches = 30;
  constexpr int kTasksPerRun = 20;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      const std::string id = "run-" + std::to_string(100 + b);
      WriteBatch batch{{}, {run(id, 1000 + b)}, {}, {}};
      for (int t = 0; t < kTasksPerRun; ++t) batch.tasks.push_back(task(id, "node", t));
      const WriteResult result = store().write(batch);
      EXPECT_EQ(result.status, WEFT_OK) << result.message;
    }
    writing = false;
  });
  auto read_until_written = [&] {
    size_t runs_seen = 0;
    bool last_pass = false;
    while (!last_pass) {
      last_pass = !writing;
      const auto runs = store().list_runs({});
      EXPECT_GE(runs.size(), runs_seen) << "a committed run disappeared";
      runs_seen = runs.size();
      if (runs.empty()) continue;
      EXPECT_EQ(store().list_tasks(runs.front().id).size(), size_t{kTasksPerRun}) << "saw part of " << runs.front().id;
    }
    EXPECT_EQ(runs_seen, size_t{kBatches});
  };
  std::thread reader(read_until_written);
  read_until_written();
  reader.join();
  writer.join();
}

}  // namespace weft::sdk::testing

// Runs the suite against one store, or several: prefix names the
// instantiation, the rest are StoreUnderTest values. Use at namespace scope.
#define WEFT_STORE_CONFORMANCE(prefix, ...)                                          \
  using weft::sdk::testing::StoreConformance;                                        \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreConformance, ::testing::Values(__VA_ARGS__), \
                           [](const auto& info) { return info.param.name; })
