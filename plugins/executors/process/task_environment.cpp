#include "task_environment.hpp"

#include <algorithm>

namespace weft::process {

namespace {

std::string_view name_of(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// posix_spawn takes char* const[] but never writes through it.
char* spawn_arg(const std::string& s) { return const_cast<char*>(s.c_str()); }

}  // namespace

TaskEnvironment::TaskEnvironment(const char* const* envp, std::span<const std::string_view> dropped) {
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const std::string_view entry(*envp);
    if (std::find(dropped.begin(), dropped.end(), name_of(entry)) == dropped.end()) entries_.emplace_back(entry);
  }
  for (size_t i = 0; i < entries_.size(); ++i) position_of_[name_of(entries_[i])] = i;
}

std::vector<char*> TaskEnvironment::merge(const std::vector<std::string>& overrides) const {
  std::vector<char*> envp;
  envp.reserve(entries_.size() + overrides.size() + 1);
  for (const auto& entry : entries_) envp.push_back(spawn_arg(entry));
  for (const auto& entry : overrides) {
    const auto found = position_of_.find(name_of(entry));
    if (found != position_of_.end()) {
      envp[found->second] = spawn_arg(entry);
    } else {
      envp.push_back(spawn_arg(entry));
    }
  }
  envp.push_back(nullptr);
  return envp;
}

}  // namespace weft::process
