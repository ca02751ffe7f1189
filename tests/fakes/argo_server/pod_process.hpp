// What the fake argo-server does for one pod, whether its workflow has one
// container template or a DAG of them: run the container's command as a
// local process, fill in a template's {{...}} variables, read back its output
// parameters.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace weft::fakes {

// Starts the container's command and args as a local container
// (local_container.hpp), stdout and stderr appended to `log` as a pod's log
// is. Returns the pid, or -1 with the error Kubernetes would report in `error`.
pid_t spawn_container(const nlohmann::json& container, const std::filesystem::path& log, std::string& error);

// Every "{{name}}" in the strings of value, for each name of variables, replaced by its value.
nlohmann::json substitute(nlohmann::json value, const std::map<std::string, std::string>& variables);

// The template's output parameters as a pod that ran (or not) leaves them:
// each read from its valueFrom.path (the file then removed, as it goes with
// the pod), else its default. A parameter with neither sets `missing` to
// Argo's error and is left out.
nlohmann::json output_parameters(const nlohmann::json& tmpl, bool ran, std::string& missing);

}  // namespace weft::fakes
