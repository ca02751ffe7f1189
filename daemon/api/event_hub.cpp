#include "api/event_hub.hpp"

#include "api/representation.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace weft::daemon {

namespace {

// Often enough for proxies that close idle connections after a minute, and
// to find clients that went away without a word.
constexpr auto kKeepAliveInterval = std::chrono::seconds(15);
// What a browser's EventSource waits before reconnecting.
constexpr std::string_view kRetryMs = "retry: 1000\n\n";

std::string instance_id() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

}  // namespace

EventHub::EventHub(EventLoop& loop, size_t history)
    : loop_(loop), history_(std::max<size_t>(history, 1)), instance_(instance_id()) {}

EventHub::~EventHub() = default;

std::string EventHub::id_of(uint64_t seq) const { return instance_ + "." + std::to_string(seq); }

std::string EventHub::frame(const std::string& id, std::string_view type, const nlohmann::json& data) {
  std::string text = "id: " + id + "\nevent: ";
  text += type;
  text += "\ndata: ";
  text += data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // one line: no newline in JSON text
  text += "\n\n";
  return text;
}

std::shared_ptr<EventStream> EventHub::subscribe(EventStart start) {
  return std::make_shared<EventStream>(*this, std::move(start));
}

void EventHub::start() {
  keep_alive_timer_ = loop_.after(kKeepAliveInterval, [this] { keep_alive(); });
}

void EventHub::stop() {
  stopping_ = true;
  loop_.cancel(keep_alive_timer_);
  const std::vector<EventStream*> open(subscribers_.begin(), subscribers_.end());
  for (auto* stream : open) stream->end();
}

void EventHub::keep_alive() {
  const std::vector<EventStream*> open(subscribers_.begin(), subscribers_.end());
  for (auto* stream : open) stream->keep_alive();
  keep_alive_timer_ = loop_.after(kKeepAliveInterval, [this] { keep_alive(); });
}

void EventHub::publish(const Transitions& transitions) {
  if (transitions.tasks.empty() && transitions.runs.empty()) return;
  std::set<std::string> touched;
  for (const auto* task : transitions.tasks) {
    append(task->run_id, "task", task_event_json(*task), false);
    touched.insert(task->run_id);
  }
  for (const auto* run : transitions.runs) {
    append(run->id, "run", run_event_json(*run), sdk::is_final(run->status));
    touched.insert(run->id);
  }
  published_.store(events_.back().seq, std::memory_order_release);
  std::vector<EventStream*> woken;
  for (auto* stream : subscribers_) {
    if (stream->run_id().empty() || touched.contains(stream->run_id())) woken.push_back(stream);
  }
  for (auto* stream : woken) stream->pump();
}

void EventHub::append(std::string run_id, std::string_view type, const nlohmann::json& data, bool ends_run) {
  const uint64_t seq = events_.empty() ? published_.load() + 1 : events_.back().seq + 1;
  runs_[run_id].push_back(seq);
  events_.push_back({seq, std::move(run_id), frame(id_of(seq), type, data), ends_run});
  while (events_.size() > history_) {
    const Event& dropped = events_.front();
    if (const auto streams = of_run_.find(dropped.run_id); streams != of_run_.end()) {
      for (auto* stream : streams->second) stream->dropped(dropped.seq);
    }
    const auto of_run = runs_.find(dropped.run_id);
    of_run->second.pop_front();
    if (of_run->second.empty()) runs_.erase(of_run);
    events_.pop_front();
  }
}

std::optional<uint64_t> EventHub::resume_point(const std::string& id) const {
  const auto dot = id.find('.');
  if (dot == std::string::npos || id.compare(0, dot, instance_) != 0 || dot != instance_.size()) return std::nullopt;
  uint64_t seq = 0;
  const char* first = id.data() + dot + 1;
  const char* last = id.data() + id.size();
  const auto [end, error] = std::from_chars(first, last, seq);
  if (error != std::errc() || end != last || first == last) return std::nullopt;
  if (seq > published() || seq + 1 < oldest()) return std::nullopt;
  return seq;
}

uint64_t EventHub::oldest() const { return events_.empty() ? published() + 1 : events_.front().seq; }

const EventHub::Event* EventHub::at(uint64_t seq) const {
  if (events_.empty() || seq < events_.front().seq || seq > events_.back().seq) return nullptr;
  return &events_[seq - events_.front().seq];
}

const EventHub::Event* EventHub::next_of_run(const std::string& run_id, uint64_t seq) const {
  const auto found = runs_.find(run_id);
  if (found == runs_.end()) return nullptr;
  const auto next = std::lower_bound(found->second.begin(), found->second.end(), seq);
  return next == found->second.end() ? nullptr : at(*next);
}

void EventHub::attach(EventStream& stream) {
  subscribers_.insert(&stream);
  subscriber_count_ = subscribers_.size();
  if (!stream.run_id().empty()) of_run_[stream.run_id()].insert(&stream);
}

void EventHub::detach(EventStream& stream) {
  subscribers_.erase(&stream);
  subscriber_count_ = subscribers_.size();
  if (stream.run_id().empty()) return;
  const auto found = of_run_.find(stream.run_id());
  if (found == of_run_.end()) return;
  found->second.erase(&stream);
  if (found->second.empty()) of_run_.erase(found);
}

// ---------------------------------------------------------------------------

void EventStream::open(StreamOutput& out) {
  out_ = &out;
  if (hub_.stopping_) return end();
  hub_.attach(*this);
  attached_ = true;
  begin();
  pump();
}

// Where the stream starts: after the id it resumes from, or with the state
// read by the endpoint (and a reset first if an id could not be resumed).
void EventStream::begin() {
  prelude_ = kRetryMs;
  next_ = start_.published + 1;
  const bool resumed = start_.last && !start_.run_final && hub_.resume_point(*start_.last);
  if (resumed) {
    next_ = *hub_.resume_point(*start_.last) + 1;
    return;
  }
  if (start_.last && !start_.run_final) {
    prelude_ += EventHub::frame(hub_.id_of(start_.published), "reset",
                                {{"reason", "the events after '" + *start_.last +
                                                "' are no longer kept (or the id is not from this weftd): read the "
                                                "state again"},
                                 {"last_event_id", *start_.last}});
  }
  prelude_ += start_.snapshot;
  end_after_prelude_ = start_.run_final;
}

void EventStream::close() {
  if (attached_) hub_.detach(*this);
  attached_ = false;
  out_ = nullptr;
}

void EventStream::end() {
  if (ended_ || out_ == nullptr) return;
  ended_ = true;
  if (attached_) hub_.detach(*this);
  attached_ = false;
  out_->end();
}

void EventStream::keep_alive() {
  if (out_ != nullptr && !ended_ && quiet_) out_->write(": keep-alive\n\n");
  quiet_ = true;
}

// Sends events from next_ while the output has room. A subscriber so slow
// that the history moved past it is told to read the state again (reset),
// then goes on with the live events.
void EventStream::pump() {
  if (out_ == nullptr || ended_) return;
  if (!prelude_.empty()) {
    out_->write(prelude_);
    prelude_.clear();
    quiet_ = false;
  }
  if (end_after_prelude_) return end();
  while (out_->room() > 0) {
    const uint64_t published = hub_.published();
    if (behind_ || (start_.run_id.empty() && next_ < hub_.oldest())) {
      out_->write(EventHub::frame(hub_.id_of(published), "reset",
                                  {{"reason", "this client fell behind the events kept: read the state again"}}));
      behind_ = false;
      next_ = published + 1;
      continue;
    }
    const auto* event = start_.run_id.empty() ? hub_.at(next_) : hub_.next_of_run(start_.run_id, next_);
    if (event == nullptr) {
      next_ = published + 1;  // nothing of ours up to here: a history moving on is no loss to us
      return;
    }
    out_->write(event->text);
    quiet_ = false;
    next_ = event->seq + 1;
    if (event->ends_run && !start_.run_id.empty()) return end();
  }
}

}  // namespace weft::daemon
