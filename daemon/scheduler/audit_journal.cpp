#include "scheduler/audit_journal.hpp"

namespace weft::daemon {

bool AuditJournal::add(AuditRecord entry) {
  if (pending_.size() >= kMaxPending) return false;
  pending_.push_back(std::move(entry));
  return true;
}

void AuditJournal::append_to(WriteBatch& batch) const {
  batch.audits.insert(batch.audits.end(), std::make_move_iterator(pending_.begin()),
                      std::make_move_iterator(pending_.end()));
  pending_.clear();
  if (retention_.count() <= 0) return;
  batch.audit_prune_before =
      clock_.now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(retention_).count();
  batch.audit_prune_limit = kPruneLimit;
}

}  // namespace weft::daemon
