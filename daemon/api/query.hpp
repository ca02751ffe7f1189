// Query parameters. Each function throws ApiError 400 invalid_request naming
// the parameter and the value it refused.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

namespace weft::daemon {

using Query = std::map<std::string, std::string>;

// The parameter's text; "" when absent.
std::string text_parameter(const Query& query, const std::string& name);

// A whole number in [min, max]; fallback when the parameter is absent.
int64_t integer_parameter(const Query& query, const std::string& name, int64_t fallback, int64_t min, int64_t max);

// One of `allowed`; fallback when absent.
std::string choice_parameter(const Query& query, const std::string& name, std::string fallback,
                             std::initializer_list<std::string_view> allowed);

// "1"/"true" or "0"/"false"; false when absent.
bool flag_parameter(const Query& query, const std::string& name);

}  // namespace weft::daemon
