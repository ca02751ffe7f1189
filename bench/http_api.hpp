// A small JSON client for weftd's HTTP API, with the bearer token on every request.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace weft::bench {

struct ApiResponse {
  int status = 0;
  nlohmann::json body;  // null when the body is not JSON
};

class HttpApi {
 public:
  HttpApi(uint16_t port, std::string token) : port_(port), token_(std::move(token)) {}

  // Throw Poco exceptions when weftd cannot be reached.
  ApiResponse get(const std::string& path) const;
  ApiResponse post(const std::string& path, const nlohmann::json& body) const;

 private:
  ApiResponse send(const std::string& method, const std::string& path, const std::string& body) const;

  uint16_t port_;
  std::string token_;
};

}  // namespace weft::bench
