// The API's audit log: every request that changes something, and every
// refusal (401, 403), as a structured line in weftd's log and an entry in the
// store. Entries go through Commands::record_audit, batched with the
// journal's writes: a request never waits for its entry to be stored.
#pragma once

#include "api/exchange.hpp"
#include "api/router.hpp"
#include "scheduler/commands.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace weft::daemon {

class AuditTrail {
 public:
  // commands outlives the trail. now_ms: the wall clock, ms since the epoch.
  AuditTrail(Commands& commands, std::function<int64_t()> now_ms);

  // Any thread, once the reply is made: records the request if the log keeps
  // it. Never throws.
  void record(const Route& route, const ApiRequest& request, const ApiReply& reply) noexcept;

 private:
  std::string next_id(int64_t at);

  Commands& commands_;
  std::function<int64_t()> now_ms_;
  // Ids are "<ms, 15 digits>-<instance>-<sequence>": they sort as recorded,
  // and never collide between instances sharing a store.
  const std::string instance_;
  std::atomic<uint64_t> sequence_{0};
};

}  // namespace weft::daemon
