// Live events (docs/api.md, "Events"): run and task transitions as
// Server-Sent Events. Each transition is serialised once, into a history of
// the last `history` events; every subscriber is a ReplyStream on the API's
// event loop with a cursor into it, so a thousand subscribers cost a
// thousand cursors and output buffers, not threads or copies of the JSON.
//
// Ids are "<instance>.<sequence>": the instance (weftd's start, in ms) tells
// an id from another life of weftd, whose sequence means nothing here. A
// client that resumes (Last-Event-ID) within the history gets every event
// after its id; from further back, or from another instance, it first gets a
// `reset` event telling it to read the state again, then the live events.
#pragma once

#include "api/event_loop.hpp"
#include "api/exchange.hpp"
#include "api/transitions.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace weft::daemon {

class EventStream;

// Where a subscriber starts, decided on a request thread before the stream
// is opened on the loop.
struct EventStart {
  std::string run_id;               // empty: every run
  std::optional<std::string> last;  // the Last-Event-ID asked to resume after
  uint64_t published = 0;           // EventHub::published() before the snapshot was read
  std::string snapshot;             // events describing the state read then (run streams)
  bool run_final = false;           // the run had ended when it was read: the stream ends after the snapshot
};

class EventHub {
 public:
  EventHub(EventLoop& loop, size_t history);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Any thread: the sequence number of the last event in the history.
  uint64_t published() const { return published_.load(std::memory_order_acquire); }
  // Any thread: the id of an event with sequence number seq.
  std::string id_of(uint64_t seq) const;
  // The SSE text of one event.
  static std::string frame(const std::string& id, std::string_view type, const nlohmann::json& data);
  // Any thread: a new subscriber, for an endpoint's reply.
  std::shared_ptr<EventStream> subscribe(EventStart start);
  // Any thread: the streams open now.
  size_t subscriber_count() const { return subscriber_count_.load(std::memory_order_relaxed); }

  // Loop thread.
  void start();
  void stop();  // ends every stream; later ones end at once
  void publish(const Transitions& transitions);

 private:
  friend class EventStream;
  struct Event {
    uint64_t seq = 0;
    std::string run_id;
    std::string text;  // id, event and data lines: the one serialisation
    bool ends_run = false;
  };

  void append(std::string run_id, std::string_view type, const nlohmann::json& data, bool ends_run);
  void keep_alive();
  // nullopt: the id cannot be resumed from (another instance, garbage, or older than the history).
  std::optional<uint64_t> resume_point(const std::string& id) const;
  uint64_t oldest() const;  // the sequence number of the oldest event kept
  const Event* at(uint64_t seq) const;
  // The first event of run_id with a sequence number >= seq, or nullptr.
  const Event* next_of_run(const std::string& run_id, uint64_t seq) const;
  void attach(EventStream& stream);
  void detach(EventStream& stream);

  EventLoop& loop_;
  const size_t history_;
  const std::string instance_;
  std::atomic<uint64_t> published_{0};
  std::atomic<size_t> subscriber_count_{0};
  std::deque<Event> events_;                                        // seq front().seq .. published_
  std::unordered_map<std::string, std::deque<uint64_t>> runs_;      // the history's events of each run
  std::set<EventStream*> subscribers_;                              // every open stream
  std::unordered_map<std::string, std::set<EventStream*>> of_run_;  // streams of one run
  EventLoop::TimerId keep_alive_timer_ = 0;
  bool stopping_ = false;
};

class EventStream : public ReplyStream {
 public:
  EventStream(EventHub& hub, EventStart start) : hub_(hub), start_(std::move(start)) {}
  void open(StreamOutput& out) override;
  void resume() override { pump(); }
  void close() override;

  // From the hub.
  const std::string& run_id() const { return start_.run_id; }
  void pump();
  void keep_alive();
  void end();
  // The history lets go of an event of this stream's run.
  void dropped(uint64_t seq) { behind_ = behind_ || seq >= next_; }

 private:
  void begin();

  EventHub& hub_;
  EventStart start_;
  StreamOutput* out_ = nullptr;
  std::string prelude_;  // written before any event
  uint64_t next_ = 0;    // the sequence number of the next event to send
  bool attached_ = false;
  bool ended_ = false;
  bool quiet_ = true;  // nothing written since the last keep-alive tick
  bool end_after_prelude_ = false;
  bool behind_ = false;  // an event of its run left the history before it was sent
};

}  // namespace weft::daemon
