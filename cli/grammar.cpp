#include "grammar.hpp"

#include <sstream>

#include "table.hpp"

namespace weft::cli {
namespace {

const OptionSpec kParam{"--param", "-p", "key=value",
                        "a run parameter; the value is JSON when it parses (42, true, [1,2]), else a string", true};
const OptionSpec kWait{"--wait", "", "", "follow the run until it ends; exit 1 unless it succeeded"};

std::string synopsis(const CommandSpec& command) {
  std::string text = "weft " + command.name;
  for (const auto& argument : command.arguments) text += " " + argument;
  for (const auto& option : command.options) {
    const std::string& name = option.short_name.empty() ? option.name : option.short_name;
    std::string usage = name + (option.value_name.empty() ? "" : " " + option.value_name);
    text += " " + (option.required ? usage : "[" + usage + "]") + (option.repeatable ? "..." : "");
  }
  return text;
}

void print_options(std::ostream& out, const std::vector<OptionSpec>& options) {
  Table table;
  for (const auto& option : options) {
    const std::string names = option.short_name.empty() ? option.name : option.short_name + ", " + option.name;
    table.add_row({names + (option.value_name.empty() ? "" : " " + option.value_name), option.description});
  }
  table.print(out, "  ");
}

}  // namespace

const std::vector<CommandSpec>& command_specs() {
  static const std::vector<CommandSpec> commands{
      {"apply",
       {},
       {{"--file", "-f", "FILE", "the workflow document (JSON)", false, true}},
       "store a workflow document"},
      {"validate", {"FILE"}, {}, "check a workflow document without storing it"},
      {"workflows", {}, {}, "list the stored workflows"},
      {"run", {"NAME"}, {kParam, kWait}, "start a run of a stored workflow"},
      {"exec", {"FILE"}, {kParam, kWait}, "run a workflow document without storing it"},
      {"runs",
       {},
       {{"--workflow", "", "NAME", "only runs of this workflow"},
        {"--status", "", "STATUS", "only runs in this state (e.g. running, failed)"},
        {"--limit", "", "N", "at most N runs"},
        {"--cursor", "", "CURSOR", "continue a previous listing"}},
       "list runs, newest first"},
      {"status",
       {"RUN"},
       {{"--watch", "-w", "", "print each change of the run as it happens, until it ends; exit 1 unless it succeeded"}},
       "show a run and its tasks"},
      {"logs",
       {"RUN", "TASK"},
       {{"--follow", "-f", "", "keep printing until the task ends"},
        {"--stderr", "", "", "the task's standard error instead of its standard output"},
        {"--attempt", "", "N", "the logs of attempt N (1 is the first) instead of the latest"}},
       "print a task's output"},
      {"cancel", {"RUN"}, {}, "stop a run"},
      {"pause", {"RUN"}, {}, "start no new task of a run; its running tasks finish"},
      {"resume", {"RUN"}, {}, "let a paused run start tasks again"},
      {"retry", {"RUN"}, {kWait}, "run a run's failed, cancelled and upstream-failed tasks again"},
      {"schedules", {}, {}, "list the scheduled workflows, their next firing and last run"},
      {"schedule", {"pause|resume", "NAME"}, {}, "stop or restart the firings of a workflow's schedule"},
      {"instances", {}, {}, "list the weftd instances sharing the store, their last heartbeat and runs held"},
      {"dev",
       {"RUN", "NODE"},
       {{"--param", "-p", "key=value", "override the node's param key; the value is JSON when it parses, else a string",
         true},
        {"--wait", "", "", "follow the run, print the node's output; exit 1 unless it succeeded"}},
       "run one node of a run again, alone, on the upstream outputs the run stored"},
      {"plugins",
       {"[reload]"},
       {},
       "list the plugins and whether they loaded; 'reload': load new plugin files, reread weftd.json"},
      {"push", {"QUEUE", "MESSAGE"}, {}, "enqueue a message: JSON text, @FILE for a file's, - for standard input's"},
      {"queues", {}, {}, "list the queues: messages ready, in flight and dead"},
      {"queue",
       {"show|dead|redrive", "NAME"},
       {{"--id", "", "ID", "redrive: only this dead message (repeatable); all of them without", true},
        {"--limit", "", "N", "dead: at most N messages"},
        {"--cursor", "", "CURSOR", "dead: continue a previous listing"}},
       "show a queue's counts, list its dead letters, or redrive them"},
      {"token",
       {"create|list|revoke", "[ID]"},
       {{"--role", "", "ROLE", "create: viewer (default), operator or admin"},
        {"--description", "", "TEXT", "create: what the token is for"},
        {"--expires", "", "DURATION", "create: it stops working after this long, e.g. 12h, 30d"},
        {"--workflows", "", "PATTERN", "create: it may act only on workflows matching this glob, e.g. 'etl-*'"}},
       "issue an API token (shown once), list the tokens, or revoke token ID"},
      {"audit",
       {},
       {{"--limit", "", "N", "at most N entries"}, {"--before", "", "CURSOR", "continue a previous listing"}},
       "who did what, newest first (admin)"},
  };
  return commands;
}

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> options{
      {"--server", "", "URL", "weftd's address (default: $WEFT_SERVER, else http://127.0.0.1:8080)"},
      {"--cacert", "", "FILE",
       "over https, the CA certificates (PEM) to trust (default: $WEFT_CACERT, else the system's)"},
      {"--output", "-o", "FORMAT", "text (default) or json"},
      {"--help", "-h", "", "show help"},
  };
  return options;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& command : command_specs()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

std::string general_usage() {
  std::ostringstream out;
  out << "usage: weft [--server URL] [--cacert FILE] [-o json|text] COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& command : command_specs()) out << "  " << synopsis(command) << "\n      " << command.summary << '\n';
  out << "\nglobal options:\n";
  print_options(out, global_options());
  out << "\nThe token comes from $WEFT_TOKEN, else the file $WEFT_TOKEN_FILE, else <state_dir>/admin.token of\n"
         "weftd's configuration ($WEFT_CONFIG, else /etc/weft/weftd.json).\n"
         "Run 'weft COMMAND --help' for a command's options.\n";
  return out.str();
}

std::string command_usage(const CommandSpec& command) {
  std::ostringstream out;
  out << "usage: " << synopsis(command) << "\n\n" << command.summary << "\n";
  if (!command.options.empty()) {
    out << "\noptions:\n";
    print_options(out, command.options);
  }
  out << "\nglobal options:\n";
  print_options(out, global_options());
  return out.str();
}

}  // namespace weft::cli
