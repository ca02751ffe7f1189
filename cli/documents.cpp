#include "documents.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "commands.hpp"

namespace weft::cli {

namespace {

// source names where the text came from in the error.
nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    // what() is "[json.exception.parse_error.101] parse error at line L, column C: ..."
    const std::string reason = error.what();
    const auto tag_end = reason.find("] ");
    throw CommandError(source + ": " + (tag_end == std::string::npos ? reason : reason.substr(tag_end + 2)));
  }
}

}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CommandError("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), path);
}

nlohmann::json read_json_argument(const std::string& argument, std::istream& standard_input) {
  if (argument.starts_with("@")) return read_json_file(argument.substr(1));
  if (argument == "-") {
    std::stringstream text;
    text << standard_input.rdbuf();
    return parse_json_text(text.str(), "standard input");
  }
  return parse_json_text(argument, "the message");
}

}  // namespace weft::cli
