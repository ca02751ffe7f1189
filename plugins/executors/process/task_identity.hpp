// The unprivileged user tasks run as (the executor's `run_as`), so that a
// task cannot read what weftd can: the admin token, the database, the logs of
// other tasks. Resolved once, when the executor is configured.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace weft::process {

struct TaskIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, as initgroups would set them
  std::string home;
  std::string shell;

  // The user `name` from the passwd database. Throws std::invalid_argument,
  // saying why, when the user does not exist, is root, is weftd's own user or
  // is in weftd's group (all of which would give tasks weftd's access), or
  // when weftd cannot switch to it (neither root nor holding CAP_SETUID,
  // CAP_SETGID, CAP_CHOWN and CAP_KILL): tasks never run as weftd instead.
  static TaskIdentity resolve(const std::string& name);

  // This user's home and shell with a uid of its own, the same number as
  // gid, and no supplementary groups: a task that shares nothing with others.
  TaskIdentity with_own_uid(uid_t own_uid) const;
};

}  // namespace weft::process
