// A range of uids for tasks that must not see each other (the executor's
// `task_uids`): each running task holds one uid of its own, as systemd's
// DynamicUser= gives each service one, so tasks running at the same time
// cannot signal each other or read what the others write.
#pragma once

#include <sys/types.h>

#include <optional>
#include <set>

namespace weft::process {

class TaskUidPool {
 public:
  // uids first..last. Throws std::invalid_argument when the range is empty,
  // holds uid 0 or weftd's own uid, or a uid of a user in the passwd
  // database (whose files tasks would own).
  TaskUidPool(uid_t first, uid_t last);

  // A uid no running task holds, the one after the last handed out first
  // (a uid is reused as late as possible); none when all are held.
  std::optional<uid_t> acquire();
  void release(uid_t uid);

  uid_t first() const { return first_; }
  uid_t last() const { return last_; }

 private:
  uid_t first_;
  uid_t last_;
  uid_t next_;
  std::set<uid_t> held_;
};

}  // namespace weft::process
