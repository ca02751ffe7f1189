#include "table.hpp"

#include <algorithm>

namespace weft::cli {
namespace {

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

Table::Table(std::vector<std::string> headers) : has_headers_(!headers.empty()) {
  if (has_headers_) rows_.push_back(std::move(headers));
}

void Table::add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

void Table::print(std::ostream& out, std::string_view indent) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], display_width(row[column]));
    }
  }
  for (const auto& row : rows_) {
    std::string line(indent);
    for (std::size_t column = 0; column < row.size(); ++column) {
      line += row[column];
      if (column + 1 < row.size()) line += std::string(widths[column] - display_width(row[column]) + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
}

std::string cell(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  const bool scalar_array = value.is_array() && std::none_of(value.begin(), value.end(),
                                                             [](const auto& item) { return item.is_structured(); });
  if (!scalar_array) return value.dump();
  std::string joined;
  for (const auto& item : value) joined += (joined.empty() ? "" : ",") + cell(item);
  return joined.empty() ? "-" : joined;
}

std::string cell(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "-";
  return cell(object.at(key));
}

}  // namespace weft::cli
