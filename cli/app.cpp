#include "app.hpp"

#include <cstdlib>

#include "token.hpp"
#include "views.hpp"

namespace weft::cli {
namespace {

constexpr const char* kDefaultServer = "http://127.0.0.1:8080";

std::string server_of(const Invocation& invocation) {
  if (invocation.server) return *invocation.server;
  const char* from_environment = std::getenv("WEFT_SERVER");
  return from_environment && *from_environment ? from_environment : kDefaultServer;
}

int report_usage_error(const UsageError& error, const CommandSpec* command, Console& console) {
  const CommandSpec* shown = error.command() ? error.command() : command;
  console.err << "weft: " << error.what() << "\n\n" << (shown ? command_usage(*shown) : general_usage());
  return 2;
}

std::string ca_file_of(const Invocation& invocation) {
  if (invocation.ca_file) return *invocation.ca_file;
  const char* from_environment = std::getenv("WEFT_CACERT");
  return from_environment != nullptr ? from_environment : "";
}

ApiClient client_of(const Invocation& invocation) {
  const std::string server = server_of(invocation);
  const std::string ca_file = ca_file_of(invocation);
  if (!ca_file.empty() && server.rfind("https://", 0) != 0) {
    throw UsageError("--cacert (or WEFT_CACERT) is for an https:// server, not '" + server + "'");
  }
  try {
    return ApiClient(server, discover_token().value_or(""), ApiClient::kDefaultTimeout, ca_file);
  } catch (const std::invalid_argument& error) {
    const bool url_ok = server.rfind("http://", 0) == 0 || server.rfind("https://", 0) == 0;
    if (url_ok && !ca_file.empty()) throw UsageError(std::string("--cacert: ") + error.what());
    throw UsageError("--server takes http://HOST[:PORT] or https://HOST[:PORT], not '" + server + "'");
  }
}

int report_api_error(const ApiError& error, const ApiClient& api, Console& console) {
  console.err << "weft: " << error.what() << '\n';
  print_api_problems(console.err, error.details());
  if (error.response().status == 401 && !api.has_token()) {
    console.err << "no API token found: set WEFT_TOKEN or WEFT_TOKEN_FILE, or make " << admin_token_path()
                << " readable\n";
  }
  return 1;
}

int execute(const Invocation& invocation, Console& console) {
  ApiClient api = client_of(invocation);
  CommandContext context{invocation, api, console};
  try {
    return run_command(context);
  } catch (const ApiError& error) {
    return report_api_error(error, api, console);
  }
}

}  // namespace

int run_cli(const std::vector<std::string>& args, Console& console) {
  const CommandSpec* command = nullptr;
  try {
    const Invocation invocation = parse_arguments(args);
    command = invocation.command;
    if (invocation.help) {
      console.out << (command ? command_usage(*command) : general_usage());
      return 0;
    }
    return execute(invocation, console);
  } catch (const UsageError& error) {
    return report_usage_error(error, command, console);
  } catch (const CommandError& error) {
    console.err << "weft: " << error.what() << '\n';
    return 1;
  } catch (const client::ClientError& error) {
    console.err << "weft: " << error.what() << '\n';
    return 1;
  } catch (const nlohmann::json::exception& error) {
    console.err << "weft: unexpected answer from weftd: " << error.what() << '\n';
    return 1;
  }
}

}  // namespace weft::cli
