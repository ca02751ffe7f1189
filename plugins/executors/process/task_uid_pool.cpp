#include "task_uid_pool.hpp"

#include <pwd.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace weft::process {

TaskUidPool::TaskUidPool(uid_t first, uid_t last) : first_(first), last_(last), next_(first) {
  const std::string range = "task_uids [" + std::to_string(first) + ", " + std::to_string(last) + "]";
  if (first == 0 || first > last) throw std::invalid_argument(range + " must be first <= last, both > 0");
  if (::geteuid() >= first && ::geteuid() <= last) throw std::invalid_argument(range + " holds weftd's own uid");
  ::setpwent();
  while (const passwd* user = ::getpwent()) {
    if (user->pw_uid >= first && user->pw_uid <= last) {
      const std::string name = user->pw_name;
      ::endpwent();
      throw std::invalid_argument(range + " holds the uid of user '" + name + "', whose files tasks would own");
    }
  }
  ::endpwent();
}

std::optional<uid_t> TaskUidPool::acquire() {
  const uint64_t size = uint64_t{last_} - first_ + 1;
  if (held_.size() >= size) return std::nullopt;
  while (held_.count(next_) != 0) next_ = next_ == last_ ? first_ : next_ + 1;
  const uid_t uid = next_;
  held_.insert(uid);
  next_ = next_ == last_ ? first_ : next_ + 1;
  return uid;
}

void TaskUidPool::release(uid_t uid) { held_.erase(uid); }

}  // namespace weft::process
