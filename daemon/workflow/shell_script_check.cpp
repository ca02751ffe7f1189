#include "workflow/shell_script_check.hpp"

#include "workflow/template.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace weft::daemon {
namespace {

bool is_shell(std::string_view program) {
  constexpr std::array<std::string_view, 8> shells = {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "busybox"};
  const auto slash = program.rfind('/');
  if (slash != std::string_view::npos) program.remove_prefix(slash + 1);
  return std::find(shells.begin(), shells.end(), program) != shells.end();
}

// An option cluster holding c: -c, -ec, -xc (not --command-like long options).
bool is_command_option(std::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-' && arg[1] != '-' && arg.find('c') != std::string_view::npos;
}

// The index of the script in argv: the first argument after a shell's -c.
std::optional<std::size_t> script_index(const nlohmann::json& argv) {
  bool after_shell = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (!argv[i].is_string()) return std::nullopt;
    const auto& arg = argv[i].get_ref<const std::string&>();
    if (!after_shell) {
      after_shell = is_shell(arg);
    } else if (is_command_option(arg)) {
      if (i + 1 < argv.size()) return i + 1;
    } else if (arg.empty() || arg[0] != '-') {
      return std::nullopt;  // a script file, not -c
    }
  }
  return std::nullopt;
}

std::string warning_text(const std::vector<std::string>& placeholders) {
  std::string listed;
  for (const auto& placeholder : placeholders) listed += (listed.empty() ? "" : ", ") + placeholder;
  return "the shell script holds " + listed +
         ", whose value runs as shell code (a value such as 'x; rm -rf ~' runs rm); write "
         "{{ ... | shell_quote }} to make the value one quoted word, or pass it as an argv element of its own "
         "and read it as \"$1\"";
}

}  // namespace

std::vector<Problem> shell_script_warnings(const nlohmann::json& document) {
  std::vector<Problem> warnings;
  if (!document.is_object() || !document.contains("nodes") || !document["nodes"].is_array()) return warnings;
  const auto& nodes = document["nodes"];
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    const auto& node = nodes[n];
    if (!node.is_object() || !node.contains("params") || !node["params"].is_object()) continue;
    const auto& params = node["params"];
    if (!params.contains("argv") || !params["argv"].is_array()) continue;
    const auto index = script_index(params["argv"]);
    if (!index || !params["argv"][*index].is_string()) continue;
    const auto script = StringTemplate::parse(params["argv"][*index].get_ref<const std::string&>());
    if (!script) continue;  // validation reports it
    const auto unquoted = script->unquoted_placeholders();
    if (unquoted.empty()) continue;
    const auto pointer = "/nodes/" + std::to_string(n) + "/params/argv/" + std::to_string(*index);
    warnings.push_back({pointer, warning_text(unquoted)});
  }
  return warnings;
}

}  // namespace weft::daemon
