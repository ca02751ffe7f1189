#include "commands.hpp"
#include "documents.hpp"

namespace weft::cli {

int push_command(CommandContext& context) {
  const std::string& queue = context.argument(0);
  const nlohmann::json body =
      context.api.post("/api/v1/queues/" + path_segment(queue) + "/messages", read_json_file(context.argument(1)))
          .checked()
          .json();
  if (context.json_output()) {
    context.print_json(body);
  } else {
    context.console.out << "message " << body.value("id", "?") << " queued on " << queue << '\n';
  }
  return 0;
}

int token_command(CommandContext& context) {
  if (context.argument(0) != "create") {
    throw UsageError("unknown token action '" + context.argument(0) + "': only 'create'");
  }
  const nlohmann::json body =
      context.api.post("/api/v1/tokens", {{"role", *context.invocation.value("--role")}}).checked().json();
  if (context.json_output() || !body.contains("token") || !body["token"].is_string()) {
    context.print_json(body);
  } else {
    context.console.out << body["token"].get<std::string>() << '\n';
    context.console.err << "token " << body.value("id", "?") << " created; it is shown only this once\n";
  }
  return 0;
}

}  // namespace weft::cli
