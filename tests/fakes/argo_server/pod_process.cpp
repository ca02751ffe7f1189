#include "pod_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

extern char** environ;

namespace weft::fakes {
namespace {

using nlohmann::json;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

pid_t spawn_container(const json& container, const std::filesystem::path& log, std::string& error) {
  std::vector<std::string> args;
  for (const auto& a : container.value("command", json::array())) args.push_back(a.get<std::string>());
  for (const auto& a : container.value("args", json::array())) args.push_back(a.get<std::string>());
  if (args.empty()) {
    error = "the container has no command: the image's entrypoint is not played by the fake";
    return -1;
  }
  // The image's environment is this machine's; the container's env goes over it.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& var : container.value("env", json::array())) env[var.value("name", "")] = var.value("value", "");
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  const std::string cwd = container.value("workingDir", "");

  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  // A container starts with every signal at its default and none blocked,
  // whatever the test process did with its own.
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int failed = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (failed != 0) {
    error = "failed to start container \"main\": exec: \"" + args[0] + "\": " + std::strerror(failed);
    return -1;
  }
  return pid;
}

json substitute(json value, const std::map<std::string, std::string>& variables) {
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    for (const auto& [name, replacement] : variables) {
      const std::string mark = "{{" + name + "}}";
      for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at + replacement.size())) {
        text.replace(at, mark.size(), replacement);
      }
    }
    return text;
  }
  if (value.is_structured()) {
    for (auto& member : value) member = substitute(std::move(member), variables);
  }
  return value;
}

json output_parameters(const json& tmpl, bool ran, std::string& missing) {
  json parameters = json::array();
  for (const auto& p : tmpl.value("outputs", json::object()).value("parameters", json::array())) {
    const auto from = p.value("valueFrom", json::object());
    if (!from.contains("path")) continue;
    const std::string path = from["path"].get<std::string>();
    auto value = ran ? read_file(path) : std::nullopt;
    std::filesystem::remove(path);  // the pod's file system goes with the pod
    if (!value && from.contains("default")) value = from["default"].get<std::string>();
    if (!value) {
      missing = "open " + path + ": no such file or directory";
      continue;
    }
    parameters.push_back({{"name", p.value("name", "")}, {"value", *value}});
  }
  return parameters;
}

}  // namespace weft::fakes
