// Queues, API tokens and the audit log.
#include <charconv>
#include <iostream>

#include "commands.hpp"
#include "documents.hpp"
#include "views.hpp"

namespace weft::cli {

namespace {

// "90s", "45m", "12h", "30d", "2w" as seconds; a bare number is seconds.
int64_t duration_seconds(const std::string& text) {
  int64_t amount = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
  const std::string unit(end, text.data() + text.size());
  const std::pair<const char*, int64_t> units[] = {{"", 1},     {"s", 1},     {"m", 60},
                                                   {"h", 3600}, {"d", 86400}, {"w", 604800}};
  if (error == std::errc() && amount > 0) {
    for (const auto& [name, seconds] : units) {
      if (unit == name) return amount * seconds;
    }
  }
  throw UsageError("--expires '" + text + "' is not a duration: use a number with s, m, h, d or w, e.g. 30d");
}

int create_token(CommandContext& context) {
  const auto& options = context.invocation;
  nlohmann::json request{{"role", options.value("--role").value_or("viewer")}};
  if (const auto description = options.value("--description")) request["description"] = *description;
  if (const auto expires = options.value("--expires")) request["expires_in_s"] = duration_seconds(*expires);
  if (const auto workflows = options.value("--workflows")) request["workflows"] = *workflows;
  const nlohmann::json body = context.api.post("/api/v1/tokens", request).checked().json();
  if (context.json_output() || !body.contains("token") || !body["token"].is_string()) {
    context.print_json(body);
  } else {
    context.console.out << body["token"].get<std::string>() << '\n';
    context.console.err << "token " << body.value("id", "?") << " (" << body.value("role", "?")
                        << ") created; it is shown only this once\n";
  }
  return 0;
}

int list_tokens(CommandContext& context) {
  const nlohmann::json list = context.api.get("/api/v1/tokens").checked().json();
  if (context.json_output()) {
    context.print_json(list);
  } else {
    print_tokens(context.console.out, list);
  }
  return 0;
}

int revoke_token(CommandContext& context) {
  if (context.invocation.arguments.size() < 2) throw UsageError("weft token revoke needs the token's ID");
  const std::string& id = context.argument(1);
  const nlohmann::json token = context.api.del("/api/v1/tokens/" + path_segment(id)).checked().json();
  if (context.json_output()) {
    context.print_json(token);
  } else {
    context.console.out << "token " << id << " revoked\n";
  }
  return 0;
}

}  // namespace

int push_command(CommandContext& context) {
  const std::string& queue = context.argument(0);
  const nlohmann::json body = context.api
                                  .post("/api/v1/queues/" + path_segment(queue) + "/messages",
                                        read_json_argument(context.argument(1), std::cin))
                                  .checked()
                                  .json();
  if (context.json_output()) {
    context.print_json(body);
  } else {
    context.console.out << "message " << body.value("id", "?") << " queued on " << queue << '\n';
  }
  return 0;
}

int queues_command(CommandContext& context) { return print_list(context, "/api/v1/queues", print_queues); }

int queue_command(CommandContext& context) {
  const std::string& action = context.argument(0);
  const std::string path = "/api/v1/queues/" + path_segment(context.argument(1));
  const auto& options = context.invocation;
  if (action == "show") return print_list(context, path, print_queue);
  if (action == "dead") {
    return print_list(
        context, path + "/dead" + query({{"limit", options.value("--limit")}, {"cursor", options.value("--cursor")}}),
        print_dead_messages);
  }
  if (action != "redrive") throw UsageError("unknown queue action '" + action + "': 'show', 'dead' or 'redrive'");
  nlohmann::json body = nlohmann::json::object();
  if (const auto ids = options.values("--id"); !ids.empty()) body["ids"] = ids;
  const nlohmann::json reply = context.api.post(path + "/dead/redrive", body).checked().json();
  if (context.json_output()) {
    context.print_json(reply);
  } else {
    context.console.out << reply.value("redriven", 0) << " message(s) of " << context.argument(1) << " ready again\n";
  }
  return 0;
}

int token_command(CommandContext& context) {
  const std::string& action = context.argument(0);
  if (action == "create") return create_token(context);
  if (action == "list") return list_tokens(context);
  if (action == "revoke") return revoke_token(context);
  throw UsageError("unknown token action '" + action + "': 'create', 'list' or 'revoke'");
}

int audit_command(CommandContext& context) {
  const auto& options = context.invocation;
  const nlohmann::json page =
      context.api
          .get("/api/v1/audit" + query({{"limit", options.value("--limit")}, {"before", options.value("--before")}}))
          .checked()
          .json();
  if (context.json_output()) {
    context.print_json(page);
  } else {
    print_audit(context.console.out, page);
  }
  return 0;
}

}  // namespace weft::cli
