#include "http_params.hpp"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <set>
#include <weft/sdk/params.hpp>

namespace weft::nodes::http {

using nlohmann::json;
using weft::sdk::Problem;

const char* const kParamsSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "http node params",
  "type": "object",
  "properties": {
    "method": {"enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], "default": "GET"},
    "url": {"type": "string", "pattern": "^https?://", "description": "http:// or https://, without credentials"},
    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    "secret_headers": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "values refer to the plugin config's secrets as ${name}, filled when sent"},
    "json": {"description": "any JSON value, sent as the body with Content-Type application/json"},
    "body": {"type": "string", "description": "text sent as the body, Content-Type text/plain unless headers say"},
    "expected_status": {"type": "array", "minItems": 1,
                        "items": {"anyOf": [{"type": "integer", "minimum": 100, "maximum": 599},
                                            {"enum": ["1xx", "2xx", "3xx", "4xx", "5xx"]}]},
                        "default": ["2xx"]},
    "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400, "default": 30},
    "verify_tls": {"type": "boolean", "default": true},
    "ca_file": {"type": "string", "minLength": 1}
  },
  "required": ["url"],
  "additionalProperties": false
})";

namespace {

constexpr std::array<std::string_view, 7> kMethods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
constexpr double kLongestTimeoutS = 86400;
// Headers that the request's framing owns: giving them would break it.
const std::set<std::string, std::less<>> kFramingHeaders = {"content-length", "transfer-encoding", "connection"};

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_token_char);
}

class Checker {
 public:
  Checker(Stage stage, const Secrets& secrets) : stage_(stage), secrets_(secrets) {}

  // Whether value is known now: not a string that a template will still change.
  bool known(const json& value) const {
    return stage_ == Stage::kRendered || !value.is_string() ||
           value.get_ref<const std::string&>().find("{{") == std::string::npos;
  }

  void method(const json& value) {
    if (!known(value)) return;
    if (!value.is_string() || std::find(kMethods.begin(), kMethods.end(), value.get<std::string>()) == kMethods.end()) {
      add("/method", "must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS");
    }
  }

  void url(const json& value) {
    if (!known(value)) return;
    if (!value.is_string()) return add("/url", "must be a string: http://… or https://…");
    const auto& text = value.get_ref<const std::string&>();
    try {
      const Poco::URI uri(text);
      if (uri.getScheme() != "http" && uri.getScheme() != "https") {
        return add("/url", "must start with http:// or https://");
      }
      if (uri.getHost().empty()) return add("/url", "has no host");
      if (!uri.getUserInfo().empty()) {
        return add("/url", "must not hold credentials (they would be stored with the run): use secret_headers");
      }
    } catch (const Poco::Exception& e) {
      add("/url", "is not a URL: " + e.displayText());
    }
  }

  void headers(const json& value, const std::string& param) {
    const std::string at = weft::sdk::param_pointer(param);
    if (!known(value)) return;
    if (!value.is_object()) return add(at, "must be an object of header names to string values");
    for (const auto& [name, header] : value.items()) {
      const std::string where = at + weft::sdk::param_pointer(name);
      if (!is_header_name(name)) {
        add(where, "is not a header name");
      } else if (kFramingHeaders.contains(Poco::toLower(name))) {
        add(where, "is set by the node itself");
      } else if (!seen_.insert(Poco::toLower(name)).second) {
        add(where, "is given twice (in headers and secret_headers)");
      }
      if (!known(header)) continue;
      if (!header.is_string()) {
        add(where, "must be a string");
        continue;
      }
      const auto& text = header.get_ref<const std::string&>();
      if (text.find_first_of("\r\n") != std::string::npos) add(where, "must not hold a line break");
      if (param == "headers" && text.find("${") != std::string::npos) {
        add(where, "holds ${…}: secrets are filled only in secret_headers");
      }
      if (param == "secret_headers") references(where, text);
    }
  }

  void expected_status(const json& value) {
    if (!known(value)) return;
    if (!value.is_array() || value.empty()) {
      return add("/expected_status", "must be a non-empty array of status codes (200) or classes (\"2xx\")");
    }
    for (size_t i = 0; i < value.size(); ++i) {
      const json& code = value[i];
      if (!known(code)) continue;
      const bool number = code.is_number_integer() && code.get<int64_t>() >= 100 && code.get<int64_t>() <= 599;
      const bool range = code.is_string() && code.get_ref<const std::string&>().size() == 3 &&
                         code.get_ref<const std::string&>()[0] >= '1' && code.get_ref<const std::string&>()[0] <= '5' &&
                         code.get_ref<const std::string&>().substr(1) == "xx";
      if (!number && !range) {
        add("/expected_status/" + std::to_string(i), "must be a status code 100-599 or a class \"1xx\"-\"5xx\"");
      }
    }
  }

  void timeout(const json& value) {
    if (!known(value)) return;
    if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > kLongestTimeoutS) {
      add("/timeout_s", "must be a number of seconds, more than 0 and at most 86400");
    }
  }

  void boolean(const std::string& name, const json& value) {
    if (known(value) && !value.is_boolean()) add(weft::sdk::param_pointer(name), "must be true or false");
  }

  void text(const std::string& name, const json& value, const std::string& what) {
    if (known(value) && !(value.is_string() && !value.get_ref<const std::string&>().empty())) {
      add(weft::sdk::param_pointer(name), "must be " + what);
    }
  }

  void add(std::string path, std::string message) { problems.push_back({std::move(path), std::move(message)}); }

  std::vector<Problem> problems;

 private:
  void references(const std::string& where, const std::string& text) {
    for (const auto& name : secret_references(text)) {
      if (name.empty()) {
        add(where, "has a \"${\" without a secret's name and \"}\"");
      } else if (!secrets_.has(name)) {
        add(where, "refers to secret '" + name + "', which the http plugin's config does not declare (it has " +
                       secrets_.names() + ")");
      }
    }
  }

  Stage stage_;
  const Secrets& secrets_;
  std::set<std::string> seen_;  // header names, lowercase
};

int class_of(const std::string& range) { return range[0] - '0'; }

Headers headers_in(const json& params, const char* param) {
  Headers headers;
  const auto given = params.find(param);
  if (given == params.end()) return headers;
  for (const auto& [name, value] : given->items()) headers.emplace_back(name, value.get<std::string>());
  return headers;
}

}  // namespace

std::vector<Problem> check_params(const json& params, Stage stage, const Secrets& secrets) {
  if (!params.is_object()) return {{"", "must be an object"}};
  Checker check(stage, secrets);
  if (!params.contains("url")) check.add("/url", "is required: http://… or https://…");
  if (params.contains("json") && params.contains("body")) check.add("/body", "give json or body, not both");
  for (const auto& [name, value] : params.items()) {
    if (name == "method") {
      check.method(value);
    } else if (name == "url") {
      check.url(value);
    } else if (name == "headers" || name == "secret_headers") {
      check.headers(value, name);
    } else if (name == "json") {
      continue;
    } else if (name == "body") {
      check.text(name, value, "a string (for a JSON body, use json)");
    } else if (name == "expected_status") {
      check.expected_status(value);
    } else if (name == "timeout_s") {
      check.timeout(value);
    } else if (name == "verify_tls") {
      check.boolean(name, value);
    } else if (name == "ca_file") {
      check.text(name, value, "the path of a PEM file of CA certificates");
    } else {
      check.add(weft::sdk::param_pointer(name),
                "is not a param of http nodes (they take method, url, headers, secret_headers, json, body, "
                "expected_status, timeout_s, verify_tls, ca_file)");
    }
  }
  return std::move(check.problems);
}

HttpRequest request_from(const json& params) {
  HttpRequest r;
  r.method = params.value("method", r.method);
  r.url = params.at("url").get<std::string>();
  r.headers = headers_in(params, "headers");
  r.secret_headers = headers_in(params, "secret_headers");
  if (params.contains("json")) {
    r.body = params["json"].dump();
    r.content_type = "application/json";
  } else if (params.contains("body")) {
    r.body = params["body"].get<std::string>();
    r.content_type = "text/plain; charset=utf-8";
  }
  if (params.contains("expected_status")) {
    r.expected_status.clear();
    for (const auto& code : params["expected_status"]) {
      if (code.is_number()) {
        r.expected_status.push_back({code.get<int>(), code.get<int>()});
      } else {
        const int hundreds = class_of(code.get<std::string>()) * 100;
        r.expected_status.push_back({hundreds, hundreds + 99});
      }
    }
  }
  if (params.contains("timeout_s")) {
    r.timeout = std::max(std::chrono::milliseconds(1),
                         std::chrono::milliseconds(std::llround(params["timeout_s"].get<double>() * 1000)));
  }
  r.verify_tls = params.value("verify_tls", true);
  r.ca_file = params.value("ca_file", "");
  return r;
}

bool is_expected(const HttpRequest& request, int status) {
  return std::any_of(request.expected_status.begin(), request.expected_status.end(),
                     [status](const StatusRange& r) { return status >= r.from && status <= r.to; });
}

std::string describe_expected(const HttpRequest& request) {
  std::string text;
  const auto& ranges = request.expected_status;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0) text += i + 1 == ranges.size() ? " or " : ", ";
    text +=
        ranges[i].from == ranges[i].to ? std::to_string(ranges[i].from) : std::to_string(ranges[i].from / 100) + "xx";
  }
  return text;
}

}  // namespace weft::nodes::http
