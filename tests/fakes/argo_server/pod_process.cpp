#include "pod_process.hpp"

#include <cstring>

#include "fake_text.hpp"
#include "local_container.hpp"

namespace weft::fakes {

using nlohmann::json;

pid_t spawn_container(const json& container, const std::filesystem::path& log, std::string& error) {
  ContainerSpec spec;
  for (const auto& a : container.value("command", json::array())) spec.argv.push_back(a.get<std::string>());
  for (const auto& a : container.value("args", json::array())) spec.argv.push_back(a.get<std::string>());
  for (const auto& var : container.value("env", json::array()))
    spec.env[var.value("name", "")] = var.value("value", "");
  spec.working_dir = container.value("workingDir", "");
  // A pod keeps one log of its container's stdout and stderr.
  spec.stdout_file = log;
  spec.stderr_file = log;
  if (spec.argv.empty()) {
    error = "the container has no command: the image's entrypoint is not played by the fake";
    return -1;
  }
  const pid_t pid = start_container(spec);
  if (pid < 0) {
    error = "failed to start container \"main\": exec: \"" + spec.argv[0] + "\": " + std::strerror(-pid);
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
