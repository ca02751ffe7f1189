// The audit log's way to the store: entries gather here and go with the
// journal's next batch (within its lazy delay), never one store write per
// request. Each batch that carries entries also prunes expired ones, a bounded
// number at a time, so that the log stays within its retention.
#pragma once

#include "scheduler/clock.hpp"
#include "scheduler/journal.hpp"

#include <chrono>
#include <vector>

namespace weft::daemon {

class AuditJournal final : public Journaled {
 public:
  // At most this many expired entries are deleted per batch: more than a
  // batch brings in, so the log shrinks back to its retention under any load.
  static constexpr int64_t kPruneLimit = 1000;
  // Entries waiting while the store cannot be written are kept up to this
  // many; later ones are only in weftd's log (each entry is logged anyway).
  static constexpr size_t kMaxPending = 100000;

  explicit AuditJournal(const Clock& clock) : clock_(clock) {}

  // Loop thread. Whether the entry was kept (see kMaxPending).
  bool add(AuditRecord entry);
  // Loop thread. retention 0: entries are kept forever.
  void set_retention(std::chrono::hours retention) { retention_ = retention; }

  // The pending entries move into the batch: a batch that fails is retried
  // whole by the journal, so they are not lost.
  void append_to(WriteBatch& batch) const override;

 private:
  const Clock& clock_;
  mutable std::vector<AuditRecord> pending_;
  std::chrono::hours retention_{0};
};

}  // namespace weft::daemon
