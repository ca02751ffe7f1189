// How a queue's message and the run it is delivered to know each other: the
// run's idempotency key names the message and its delivery, so the store's
// unique index on keys makes a second run for one delivery impossible, and
// the run's final state carries the message's end (acknowledged, or dead)
// into the same batch.
#pragma once

#include "scheduler/run_state.hpp"

#include <weft/sdk/records.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace weft::daemon {

// "queue:<queue>/<delivery>/<message id>"; message ids may hold anything, queue names no '/'.
std::string queue_run_key(const sdk::MessageRecord& message);
// Keys of that form are the scheduler's alone.
bool is_queue_run_key(std::string_view key);

// The message a run of a queue delivery ends, once the run is final: done
// when it succeeded; dead with the failure otherwise (failed, or cancelled:
// a cancelled message waits in the dead letters for a redrive, rather than
// being dropped). nullopt for any other run.
std::optional<sdk::MessageRecord> delivery_end(const RunState& run);

}  // namespace weft::daemon
