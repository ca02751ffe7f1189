// Turns argv into an Invocation, checked against the grammar; anything it does
// not accept is a UsageError (exit code 2).
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "grammar.hpp"

namespace weft::cli {

// Bad usage: the message, and the command whose usage to show (nullptr: the general one).
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, const CommandSpec* command = nullptr)
      : std::runtime_error(message), command_(command) {}
  const CommandSpec* command() const { return command_; }

 private:
  const CommandSpec* command_;
};

enum class OutputFormat { text, json };

struct Invocation {
  const CommandSpec* command = nullptr;  // nullptr only with help
  bool help = false;
  std::optional<std::string> server;   // --server, when given
  std::optional<std::string> ca_file;  // --cacert, when given
  OutputFormat output = OutputFormat::text;
  std::vector<std::string> arguments;  // positional, as many as command->arguments
  // Every use of an option, by its long name ("--param"); a flag's uses hold "".
  std::map<std::string, std::vector<std::string>, std::less<>> options;

  bool flag(std::string_view name) const { return options.contains(name); }
  std::optional<std::string> value(std::string_view name) const;
  std::vector<std::string> values(std::string_view name) const;
};

// `args` excludes the program name.
Invocation parse_arguments(const std::vector<std::string>& args);

}  // namespace weft::cli
