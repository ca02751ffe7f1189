#include "api/log_follow.hpp"

#include "scheduler/task_files.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace weft::daemon {

namespace {

constexpr size_t kReadSize = 64 * 1024;
// How often a followed run's tasks are read from the store: while the
// scheduler sends no updates, and as a safety net once it does.
constexpr auto kProbeInterval = std::chrono::milliseconds(1000);
constexpr auto kHookedProbeInterval = std::chrono::milliseconds(30'000);
// A followed file closed by a writer: its task has likely ended; look soon.
constexpr auto kProbeAfterClose = std::chrono::milliseconds(100);
constexpr uint32_t kWatchMask = IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;

int open_inotify() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("cannot create an inotify instance: ") + std::strerror(errno));
  return fd;
}

// A task may replace its log file, or its run's directory, with a symbolic
// link (to admin.token, say) or a FIFO: neither is followed or opened, so
// that the endpoint serves only files under the state directory and never
// blocks the loop. Such a log reads as empty.
int open_log(const std::filesystem::path& file) {
  const int runs = ::open(file.parent_path().parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (runs < 0) return -1;
  const int run =
      ::openat(runs, file.parent_path().filename().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  ::close(runs);
  if (run < 0) return -1;
  const int fd = ::openat(run, file.filename().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  ::close(run);
  struct stat info {};
  if (fd >= 0 && (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

LogWatch::LogWatch(EventLoop& loop, const StoreClient& store, RequestPool& pool, std::filesystem::path state_dir)
    : loop_(loop), store_(store), pool_(pool), state_dir_(std::move(state_dir)), inotify_fd_(open_inotify()) {
  buffer_.resize(kReadSize);
}

LogWatch::~LogWatch() { ::close(inotify_fd_); }

void LogWatch::start() {
  loop_.add(inotify_fd_, EPOLLIN, [this](uint32_t) { on_inotify(); });
}

void LogWatch::stop() {
  stopping_ = true;
  std::vector<LogFollower*> all;
  for (auto& [id, run] : runs_) all.insert(all.end(), run.followers.begin(), run.followers.end());
  for (auto* follower : all) follower->file_changed();  // each ends, having sent what its file holds
}

void LogWatch::add_interest(const std::string& run_id) {
  std::lock_guard lock(interest_mutex_);
  ++interest_[run_id];
}

void LogWatch::drop_interest(const std::string& run_id) {
  {
    std::lock_guard lock(interest_mutex_);
    const auto found = interest_.find(run_id);
    if (found == interest_.end() || --found->second > 0) return;
    interest_.erase(found);
  }
  loop_.post([this, run_id] { forget(run_id); });
}

// Called by the scheduler for every task it changes: only updates of
// followed runs go further than a look under a mutex.
void LogWatch::task_updated(const TaskUpdate& update) {
  hooked_.store(true, std::memory_order_relaxed);
  {
    std::lock_guard lock(interest_mutex_);
    if (!interest_.contains(update.run_id)) return;
  }
  loop_.post([this, update] { apply(update); });
}

void LogWatch::apply(const TaskUpdate& update) {
  {
    std::lock_guard lock(interest_mutex_);
    if (!interest_.contains(update.run_id)) return;
  }
  latest_[update.run_id][TaskKey{update.node, update.index}] = update;
  const auto found = runs_.find(update.run_id);
  if (found == runs_.end()) return;
  if (found->second.watch < 0) watch_directory(found->first, found->second);
  const std::vector<LogFollower*> followers(found->second.followers.begin(), found->second.followers.end());
  for (auto* follower : followers) {
    if (follower->target().node == update.node && follower->target().index == update.index) {
      follower->update(update.attempt, update.status);
    }
  }
}

void LogWatch::forget(const std::string& run_id) {
  {
    std::lock_guard lock(interest_mutex_);
    if (interest_.contains(run_id)) return;  // followed again meanwhile
  }
  latest_.erase(run_id);
}

void LogWatch::follow(LogFollower& follower) {
  const auto& target = follower.target();
  auto [found, added] = runs_.try_emplace(target.run_id);
  Run& run = found->second;
  run.followers.insert(&follower);
  if (run.watch < 0) watch_directory(target.run_id, run);
  if (added) schedule_probe(target.run_id, hooked_ ? kHookedProbeInterval : kProbeInterval);
  // An update that came between the follower's look at the store and now.
  if (const auto updates = latest_.find(target.run_id); updates != latest_.end()) {
    const auto update = updates->second.find(TaskKey{target.node, target.index});
    if (update != updates->second.end()) follower.update(update->second.attempt, update->second.status);
  }
}

void LogWatch::unfollow(LogFollower& follower) {
  const auto found = runs_.find(follower.target().run_id);
  if (found == runs_.end()) return;
  Run& run = found->second;
  run.followers.erase(&follower);
  if (!run.followers.empty()) return;
  loop_.cancel(run.probe_timer);
  if (run.watch >= 0) {
    ::inotify_rm_watch(inotify_fd_, run.watch);
    run_of_watch_.erase(run.watch);
  }
  runs_.erase(found);  // a probe under way finds no run and is dropped
}

void LogWatch::watch_directory(const std::string& run_id, Run& run) {
  const auto directory = state_dir_ / "runs" / run_id;
  const int watch = ::inotify_add_watch(inotify_fd_, directory.c_str(), kWatchMask);
  if (watch < 0) {
    // ENOENT: no task of the run has started; an update or a probe tries again.
    if (errno != ENOENT)
      spdlog::warn("cannot watch {} for log followers: {}", directory.string(), std::strerror(errno));
    return;
  }
  run.watch = watch;
  run_of_watch_[watch] = run_id;
  // Written before the watch existed: look once.
  const std::vector<LogFollower*> followers(run.followers.begin(), run.followers.end());
  for (auto* follower : followers) follower->file_changed();
}

void LogWatch::on_inotify() {
  alignas(inotify_event) char events[16 * 1024];
  for (;;) {
    const ssize_t length = ::read(inotify_fd_, events, sizeof events);
    if (length <= 0) return;  // EAGAIN: all read
    for (ssize_t at = 0; at < length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(events + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if ((event->mask & IN_Q_OVERFLOW) != 0) {
        spdlog::debug("inotify queue overflow: every log follower looks at its file");
        for (auto& [id, run] : runs_) schedule_probe(id, std::chrono::milliseconds(0));
        std::vector<LogFollower*> all;
        for (auto& [id, run] : runs_) all.insert(all.end(), run.followers.begin(), run.followers.end());
        for (auto* follower : all) follower->file_changed();
        continue;
      }
      const auto watched = run_of_watch_.find(event->wd);
      if (watched == run_of_watch_.end()) continue;
      const std::string run_id = watched->second;
      if ((event->mask & IN_IGNORED) != 0) {  // the directory is gone
        run_of_watch_.erase(watched);
        if (auto run = runs_.find(run_id); run != runs_.end()) run->second.watch = -1;
        continue;
      }
      const auto run = runs_.find(run_id);
      if (run == runs_.end() || event->len == 0) continue;
      const std::string name(event->name);
      const std::vector<LogFollower*> followers(run->second.followers.begin(), run->second.followers.end());
      bool followed = false;
      for (auto* follower : followers) {
        if (follower->file_name() != name) continue;
        followed = true;
        follower->file_changed();
      }
      if (followed && (event->mask & IN_CLOSE_WRITE) != 0 && !hooked_) schedule_probe(run_id, kProbeAfterClose);
    }
  }
}

void LogWatch::schedule_probe(const std::string& run_id, std::chrono::milliseconds delay) {
  const auto found = runs_.find(run_id);
  if (found == runs_.end() || found->second.probing) return;
  loop_.cancel(found->second.probe_timer);
  found->second.probe_timer = loop_.after(delay, [this, run_id] { probe(run_id); });
}

void LogWatch::probe(const std::string& run_id) {
  const auto found = runs_.find(run_id);
  if (found == runs_.end()) return;
  found->second.probe_timer = 0;
  found->second.probing = true;
  pool_.submit([this, run_id] {
    std::vector<TaskRecord> tasks;
    try {
      tasks = store_.list_tasks(run_id);
    } catch (const std::exception& e) {
      spdlog::debug("log followers of run {}: the store did not answer: {}", run_id, e.what());
    }
    loop_.post([this, run_id, tasks = std::move(tasks)] { probed(run_id, tasks); });
  });
}

void LogWatch::probed(const std::string& run_id, const std::vector<TaskRecord>& tasks) {
  const auto found = runs_.find(run_id);
  if (found == runs_.end()) return;
  found->second.probing = false;
  if (found->second.watch < 0) watch_directory(run_id, found->second);
  const std::vector<LogFollower*> followers(found->second.followers.begin(), found->second.followers.end());
  for (auto* follower : followers) {
    const auto& target = follower->target();
    const auto task = std::find_if(tasks.begin(), tasks.end(), [&](const TaskRecord& t) {
      return t.node == target.node && t.index == target.index;
    });
    if (task != tasks.end()) follower->update(task->attempt, task->status);
  }
  schedule_probe(run_id, hooked_ ? kHookedProbeInterval : kProbeInterval);
}

// ---------------------------------------------------------------------------

LogFollower::LogFollower(LogWatch& watch, std::string run_id) : watch_(watch), interest_(std::move(run_id)) {
  watch_.add_interest(interest_);
}

LogFollower::~LogFollower() {
  close_file();
  watch_.drop_interest(interest_);
}

void LogFollower::open(StreamOutput& out) {
  out_ = &out;
  next_attempt_ = target_.attempt;
  if (target_.follow && !target_.final && !watch_.stopping()) {
    following_ = true;
    watch_.follow(*this);
  }
  pump();
}

void LogFollower::close() {
  if (following_) watch_.unfollow(*this);
  following_ = false;
  out_ = nullptr;
  close_file();
}

std::filesystem::path LogFollower::file() const {
  const auto files = task_files(watch_.state_dir(), target_.run_id, target_.node, target_.index, target_.attempt);
  return target_.stderr_stream ? files.stderr_path : files.stdout_path;
}

std::string LogFollower::file_name() const { return file().filename().string(); }

void LogFollower::update(int attempt, sdk::TaskStatus status) {
  next_attempt_ = std::max(next_attempt_, attempt);
  if (sdk::is_final(status) && attempt >= target_.attempt) target_.final = true;
  pump();
}

void LogFollower::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// Sends what the file holds past offset_, as far as the output has room.
// At the end of a file: the next attempt's file if there is one, else the
// end of the reply once the task is final (it has written everything by
// then), else nothing until the file grows or an update comes.
void LogFollower::pump() {
  if (out_ == nullptr || ended_) return;
  std::string& buffer = watch_.read_buffer();
  while (out_->room() > 0) {
    if (fd_ < 0) fd_ = open_log(file());
    ssize_t n = 0;
    if (fd_ >= 0) {
      n = ::pread(fd_, buffer.data(), std::min(buffer.size(), out_->room()), static_cast<off_t>(offset_));
      if (n < 0) n = 0;  // read as the end: a later event or the task's end tries again
    }
    if (n > 0) {
      offset_ += static_cast<uint64_t>(n);
      out_->write(std::string_view(buffer.data(), static_cast<size_t>(n)));
      continue;
    }
    if (next_attempt_ > target_.attempt) {  // a retry writes a new file, sent from its start
      close_file();
      target_.attempt = next_attempt_;
      offset_ = 0;
      continue;
    }
    if (!target_.follow || target_.final || watch_.stopping()) {
      ended_ = true;
      out_->end();
    }
    return;
  }
}

}  // namespace weft::daemon
