// Wakes the daemon when another instance stores a run unheld: a connection
// of its own LISTENs on the schema's channel (work_channel), and a thread of
// its own waits on it, so nobody polls the database in a loop.
//
// Threading: wake is called on the listener's thread, once per round of
// notifications read (a burst of inserts is one call or a few), and once
// after each (re)connection, since work may have appeared while nobody
// listened. A lost connection is opened again every second until the
// server answers; meanwhile the daemon's slow claim every third of a lease
// still finds the work.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "postgres_config.hpp"

namespace weft::storage::postgres {

// The channel the writers of config.schema NOTIFY and its listeners LISTEN
// on: at most 63 bytes (the server's limit on names), cut at a whole UTF-8
// character. Two schemas whose names share their first 58 bytes share a
// channel, which costs a claim that finds nothing.
std::string work_channel(const std::string& schema);

class WorkListener {
 public:
  WorkListener(PostgresConfig config, std::function<void()> wake);
  ~WorkListener();
  WorkListener(const WorkListener&) = delete;
  WorkListener& operator=(const WorkListener&) = delete;

 private:
  void listen_until_stopped();
  // Waits for the stop signal up to timeout_ms (-1: forever) and, if fd is
  // not -1, for fd to be readable; true if stopped.
  bool wait(int fd, int timeout_ms) const;

  PostgresConfig config_;
  std::function<void()> wake_;
  int stop_fd_;  // an eventfd the destructor writes
  std::thread thread_;
};

}  // namespace weft::storage::postgres
