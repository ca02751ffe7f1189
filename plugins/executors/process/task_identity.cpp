#include "task_identity.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace weft::process {

namespace {

std::invalid_argument refusal(const std::string& name, const std::string& why) {
  return std::invalid_argument("the process executor's run_as user '" + name + "' " + why);
}

passwd find_user(const std::string& name, std::vector<char>& buffer) {
  passwd entry{};
  passwd* found = nullptr;
  int error = 0;
  buffer.resize(4096);
  while ((error = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (error != 0) throw refusal(name, "cannot be looked up: " + std::system_category().message(error));
  if (found == nullptr) throw refusal(name, "does not exist; create it (the Debian package's sysusers file does)");
  return entry;
}

std::vector<gid_t> supplementary_groups(const passwd& user) {
  std::vector<gid_t> groups(32);
  int count = static_cast<int>(groups.size());
  while (::getgrouplist(user.pw_name, user.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count) + 32);
    count = static_cast<int>(groups.size());
  }
  groups.resize(static_cast<size_t>(count));
  return groups;
}

// Names the capabilities of weftd's effective set that switching users and
// managing the tasks afterwards need, and that it lacks.
std::string missing_capabilities() {
  if (::geteuid() == 0) return {};
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return "(capabilities unreadable)";
  std::string missing;
  for (const auto& [capability, name] : {std::pair{CAP_SETUID, "CAP_SETUID"}, std::pair{CAP_SETGID, "CAP_SETGID"},
                                         std::pair{CAP_CHOWN, "CAP_CHOWN"}, std::pair{CAP_KILL, "CAP_KILL"}}) {
    if ((data[0].effective & (1U << capability)) == 0) missing += (missing.empty() ? "" : " ") + std::string(name);
  }
  return missing;
}

}  // namespace

TaskIdentity TaskIdentity::resolve(const std::string& name) {
  std::vector<char> buffer;
  const passwd user = find_user(name, buffer);
  if (user.pw_uid == 0) throw refusal(name, "is root; tasks must run as an unprivileged user");
  if (user.pw_uid == ::geteuid()) {
    throw refusal(name, "is weftd's own user, so tasks would read its admin token and database; use another user");
  }
  TaskIdentity identity{user.pw_name, user.pw_uid, user.pw_gid, supplementary_groups(user), user.pw_dir, user.pw_shell};
  if (std::find(identity.groups.begin(), identity.groups.end(), ::getegid()) != identity.groups.end()) {
    throw refusal(name, "is in weftd's group, which may read weftd's files; remove it from that group");
  }
  if (const auto missing = missing_capabilities(); !missing.empty()) {
    throw refusal(name, "cannot be switched to: weftd runs as uid " + std::to_string(::geteuid()) + " without " +
                            missing +
                            " (weftd.service grants them with AmbientCapabilities=); tasks never run as weftd "
                            "in its place");
  }
  return identity;
}

TaskIdentity TaskIdentity::with_own_uid(uid_t own_uid) const {
  return TaskIdentity{name + " (uid " + std::to_string(own_uid) + ")", own_uid, own_uid, {}, home, shell};
}

}  // namespace weft::process
