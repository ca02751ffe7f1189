// Following task logs without a thread per follower: every follower is a
// ReplyStream on the API's event loop. One inotify descriptor reports writes
// to the followed files (a watch per run directory, shared by its followers);
// the scheduler's stored task transitions (ApiServer::stored, which calls
// task_updated) say when a task moves to a new attempt or ends. Until the
// first update comes, and as a safety net after, the watch asks the store for
// the tasks of each followed run now and then: once per run, not per
// follower, on a request thread.
#pragma once

#include "api/event_loop.hpp"
#include "api/exchange.hpp"
#include "api/request_pool.hpp"
#include "api/task_updates.hpp"
#include "store/store_client.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace weft::daemon {

class LogFollower;

class LogWatch {
 public:
  // Every argument outlives the watch; the pool's jobs must have ended before it is destroyed.
  LogWatch(EventLoop& loop, const StoreClient& store, RequestPool& pool, std::filesystem::path state_dir);
  ~LogWatch();
  LogWatch(const LogWatch&) = delete;
  LogWatch& operator=(const LogWatch&) = delete;

  // Any thread, never blocks. Updates of runs that nobody follows are dropped at once.
  void task_updated(const TaskUpdate& update);
  // Any thread: a follower of run_id exists (from before it first reads the
  // store, so that no update after that read is missed) / is gone.
  void add_interest(const std::string& run_id);
  void drop_interest(const std::string& run_id);

  // Loop thread.
  void start();
  void stop();  // ends every stream; later ones end at once
  bool stopping() const { return stopping_; }
  void follow(LogFollower& follower);
  void unfollow(LogFollower& follower);
  const std::filesystem::path& state_dir() const { return state_dir_; }
  std::string& read_buffer() { return buffer_; }

 private:
  using TaskKey = std::tuple<std::string, int64_t>;  // node, index
  struct Run {
    int watch = -1;  // inotify watch of the run's directory; -1 until it exists
    std::set<LogFollower*> followers;
    EventLoop::TimerId probe_timer = 0;
    bool probing = false;
  };

  void on_inotify();
  void watch_directory(const std::string& run_id, Run& run);
  void schedule_probe(const std::string& run_id, std::chrono::milliseconds delay);
  void probe(const std::string& run_id);
  void probed(const std::string& run_id, const std::vector<TaskRecord>& tasks);
  void apply(const TaskUpdate& update);
  void forget(const std::string& run_id);

  EventLoop& loop_;
  const StoreClient& store_;
  RequestPool& pool_;
  const std::filesystem::path state_dir_;
  const int inotify_fd_;
  bool stopping_ = false;
  std::string buffer_;
  std::map<std::string, Run> runs_;  // followed runs
  std::unordered_map<int, std::string> run_of_watch_;
  std::map<std::string, std::map<TaskKey, TaskUpdate>> latest_;  // updates of runs with interest, on the loop

  std::atomic<bool> hooked_{false};  // the scheduler sends updates: probes are only a safety net
  std::mutex interest_mutex_;
  std::unordered_map<std::string, int> interest_;  // run id -> followers; guarded by interest_mutex_
};

// What a log request asks for. attempt and final are what the store said
// when the request was served.
struct LogTarget {
  std::string run_id;
  std::string node;
  int64_t index = -1;
  int attempt = 0;
  bool final = false;
  bool stderr_stream = false;
  bool follow = false;
};

// One log reply: the file of the task's current attempt from its start, then,
// when following, what is appended to it, the next attempts' files, until the
// task is final or weftd stops. Made on a request thread; used on the loop.
class LogFollower : public ReplyStream {
 public:
  LogFollower(LogWatch& watch, std::string run_id);
  ~LogFollower() override;
  // Before open(), on the thread that made it.
  void set_target(LogTarget target) { target_ = std::move(target); }

  void open(StreamOutput& out) override;
  void resume() override { pump(); }
  void close() override;

  // From the watch.
  const LogTarget& target() const { return target_; }
  std::filesystem::path file() const;  // of the target's attempt
  std::string file_name() const;
  void file_changed() { pump(); }
  void update(int attempt, sdk::TaskStatus status);

 private:
  void pump();
  void close_file();

  LogWatch& watch_;
  const std::string interest_;  // the run id given to add_interest
  LogTarget target_;
  StreamOutput* out_ = nullptr;
  bool following_ = false;  // registered with the watch
  bool ended_ = false;
  int next_attempt_ = 0;
  int fd_ = -1;
  uint64_t offset_ = 0;
};

}  // namespace weft::daemon
