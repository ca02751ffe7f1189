#include "argo_http.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace weft::argo {
namespace {

bool is_transient(int status) { return status == 401 || status == 429 || status >= 500; }

}  // namespace

ArgoHttp::ArgoHttp(const ArgoConfig& config)
    : config_(config),
      session_(config_.server,
               {.ca_file = config_.ca_file, .insecure = config_.insecure, .timeout = config_.request_timeout}) {
  if (!config_.token_file.empty()) refresh_token(true);
}

ArgoHttp::~ArgoHttp() = default;

void ArgoHttp::refresh_token(bool force) {
  if (config_.token_file.empty()) return;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(config_.token_file, ec);
  if (ec) throw TransientError("cannot read the token file " + config_.token_file + ": " + ec.message());
  if (!force && mtime == token_mtime_) return;
  std::ifstream in(config_.token_file);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (!in || token.empty()) throw TransientError("the token file " + config_.token_file + " is empty or unreadable");
  token_ = token;
  token_mtime_ = mtime;
}

HttpReply ArgoHttp::request(const std::string& method, const std::string& path_and_query, const std::string& body) {
  refresh_token(false);
  HttpReply reply = send_once(method, path_and_query, body);
  if (reply.status == 401 && !config_.token_file.empty()) {
    // The token may have rotated within the file's timestamp resolution.
    refresh_token(true);
    reply = send_once(method, path_and_query, body);
  }
  if (is_transient(reply.status)) throw TransientError(method + " " + path_and_query + ": " + describe_error(reply));
  return reply;
}

HttpReply ArgoHttp::stream(const std::string& path_and_query, const std::function<void(const std::string&)>& on_line) {
  refresh_token(false);
  HttpReply reply = session_.stream(path_and_query, auth_headers(), on_line);
  if (is_transient(reply.status)) throw TransientError("GET " + path_and_query + ": " + describe_error(reply));
  return reply;
}

void ArgoHttp::abort() { session_.abort(); }

https::Headers ArgoHttp::auth_headers() const {
  https::Headers headers;
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  return headers;
}

HttpReply ArgoHttp::send_once(const std::string& method, const std::string& path_and_query, const std::string& body) {
  return session_.send(method, path_and_query, body, auth_headers());
}

std::string describe_error(const HttpReply& reply) {
  const auto body = nlohmann::json::parse(reply.body, nullptr, false);
  std::string message;
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    message = body["message"].get<std::string>();
  } else {
    message = reply.body.substr(0, 500);
  }
  return "HTTP " + std::to_string(reply.status) + (message.empty() ? "" : ": " + message);
}

}  // namespace weft::argo
