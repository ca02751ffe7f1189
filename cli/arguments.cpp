#include "arguments.hpp"

#include <algorithm>

namespace weft::cli {
namespace {

const OptionSpec* find_option(const std::vector<OptionSpec>& options, std::string_view name) {
  for (const auto& option : options) {
    if (option.name == name || (!option.short_name.empty() && option.short_name == name)) return &option;
  }
  return nullptr;
}

// Walks the words once; global options may come before or after the command.
class ArgumentParser {
 public:
  explicit ArgumentParser(const std::vector<std::string>& args) : args_(args) {}

  Invocation parse() {
    for (position_ = 0; position_ < args_.size(); ++position_) {
      const std::string& word = args_[position_];
      if (word == "--") {
        take_remaining_as_arguments();
      } else if (word.size() > 1 && word[0] == '-') {
        take_option(word);
      } else {
        take_argument(word);
      }
    }
    check_complete();
    return std::move(invocation_);
  }

 private:
  void take_remaining_as_arguments() {
    while (++position_ < args_.size()) take_argument(args_[position_]);
  }

  void take_argument(const std::string& word) {
    if (invocation_.command) {
      invocation_.arguments.push_back(word);
    } else if (word == "help" && !invocation_.help) {
      invocation_.help = true;  // "weft help [COMMAND]"
    } else {
      invocation_.command = find_command(word);
      if (!invocation_.command) throw UsageError("unknown command '" + word + "'");
    }
  }

  void take_option(const std::string& word) {
    const auto equals = word.find('=');
    const std::string name = word.substr(0, equals);
    const OptionSpec* option = lookup(name);
    if (!option) throw UsageError("unknown option " + name, invocation_.command);
    if (option->value_name.empty()) {
      if (equals != std::string::npos) throw UsageError(name + " takes no value", invocation_.command);
      record(*option, "");
      return;
    }
    if (equals != std::string::npos) {
      record(*option, word.substr(equals + 1));
    } else if (position_ + 1 < args_.size()) {
      record(*option, args_[++position_]);
    } else {
      throw UsageError(name + " needs a value: " + option->value_name, invocation_.command);
    }
  }

  const OptionSpec* lookup(const std::string& name) const {
    if (const OptionSpec* global = find_option(global_options(), name)) return global;
    return invocation_.command ? find_option(invocation_.command->options, name) : nullptr;
  }

  void record(const OptionSpec& option, std::string value) {
    if (option.name == "--help") {
      invocation_.help = true;
    } else if (option.name == "--server") {
      invocation_.server = std::move(value);
    } else if (option.name == "--cacert") {
      invocation_.ca_file = std::move(value);
    } else if (option.name == "--output") {
      invocation_.output = output_format(value);
    } else {
      auto& uses = invocation_.options[option.name];
      if (!uses.empty() && !option.repeatable) throw UsageError(option.name + " given twice", invocation_.command);
      uses.push_back(std::move(value));
    }
  }

  OutputFormat output_format(const std::string& value) const {
    if (value == "json") return OutputFormat::json;
    if (value == "text") return OutputFormat::text;
    throw UsageError("-o takes json or text, not '" + value + "'", invocation_.command);
  }

  void check_complete() const {
    if (invocation_.help) return;
    const CommandSpec* command = invocation_.command;
    if (!command) throw UsageError("no command given");
    const auto required = static_cast<std::size_t>(std::count_if(
        command->arguments.begin(), command->arguments.end(), [](const std::string& a) { return a.front() != '['; }));
    if (invocation_.arguments.size() < required) {
      throw UsageError("missing " + command->arguments[invocation_.arguments.size()], command);
    }
    if (invocation_.arguments.size() > command->arguments.size()) {
      throw UsageError("unexpected argument '" + invocation_.arguments[command->arguments.size()] + "'", command);
    }
    for (const auto& option : command->options) {
      if (option.required && !invocation_.flag(option.name)) {
        throw UsageError("missing " + option.name + " " + option.value_name, command);
      }
    }
  }

  const std::vector<std::string>& args_;
  std::size_t position_ = 0;
  Invocation invocation_;
};

}  // namespace

std::optional<std::string> Invocation::value(std::string_view name) const {
  auto found = options.find(name);
  if (found == options.end()) return std::nullopt;
  return found->second.front();
}

std::vector<std::string> Invocation::values(std::string_view name) const {
  auto found = options.find(name);
  return found == options.end() ? std::vector<std::string>{} : found->second;
}

Invocation parse_arguments(const std::vector<std::string>& args) { return ArgumentParser(args).parse(); }

}  // namespace weft::cli
