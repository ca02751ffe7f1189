// The HTTP client of weftd's API (docs/api.md), one keep-alive connection.
#pragma once

#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace Poco::Net {
class HTTPClientSession;
class HTTPResponse;
}  // namespace Poco::Net

namespace weft::cli {

// A failure that ends the command with exit code 1 after printing its message.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ApiResponse {
  int status = 0;
  nlohmann::json body;  // the parsed JSON body; an object for an empty body
};

// A non-2xx answer. body holds the API's {"error": {...}} when the server sent one.
class ApiError : public std::runtime_error {
 public:
  explicit ApiError(ApiResponse response);
  const ApiResponse& response() const { return response_; }

 private:
  ApiResponse response_;
};

class ApiClient {
 public:
  // `server` is "http://host[:port]"; throws UsageError for anything else.
  // Without a token, requests carry no Authorization header.
  ApiClient(const std::string& server, std::optional<std::string> token);
  ~ApiClient();

  // Each throws CommandError ("cannot reach weftd at URL: reason") when the
  // server cannot be reached and ApiError for a non-2xx status.
  ApiResponse get(const std::string& target);
  ApiResponse post(const std::string& target, const nlohmann::json& body = nlohmann::json::object());

  // Copies a text/plain body to `out` as it arrives (for logs -f).
  void stream(const std::string& target, std::ostream& out);

  bool has_token() const { return token_.has_value(); }

 private:
  // Sends the request; the returned stream (owned by the session) reads the body.
  std::istream& begin(const std::string& method, const std::string& target, const nlohmann::json* body,
                      Poco::Net::HTTPResponse& response);
  ApiResponse send(const std::string& method, const std::string& target, const nlohmann::json* body);

  std::string server_;
  std::string base_path_;  // a path prefix of the server URL, for weftd behind a proxy
  std::optional<std::string> token_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

// `segment` percent-encoded for use as one path segment.
std::string path_segment(std::string_view segment);

// "?a=1&b=2" of the pairs whose value is set ("" when none), values percent-encoded.
std::string query(const std::vector<std::pair<std::string, std::optional<std::string>>>& pairs);

}  // namespace weft::cli
