// What weft accepts: each command's arguments and options, and the usage texts
// built from them. The one place that knows the command line's shape.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace weft::cli {

struct OptionSpec {
  std::string name;        // "--wait"
  std::string short_name;  // "-p", or "" when there is none
  std::string value_name;  // "key=value"; "" for a flag
  std::string description;
  bool repeatable = false;
  bool required = false;
};

struct CommandSpec {
  std::string name;
  std::vector<std::string> arguments;  // positional: {"RUN", "TASK"}; optional ones last, in brackets: "[reload]"
  std::vector<OptionSpec> options;
  std::string summary;
};

const std::vector<CommandSpec>& command_specs();
const std::vector<OptionSpec>& global_options();

// nullptr when there is no such command.
const CommandSpec* find_command(std::string_view name);

std::string general_usage();
std::string command_usage(const CommandSpec& command);

}  // namespace weft::cli
