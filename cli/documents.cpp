#include "documents.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "commands.hpp"

namespace weft::cli {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CommandError("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& error) {
    // what() is "[json.exception.parse_error.101] parse error at line L, column C: ..."
    const std::string reason = error.what();
    const auto tag_end = reason.find("] ");
    throw CommandError(path + ": " + (tag_end == std::string::npos ? reason : reason.substr(tag_end + 2)));
  }
}

}  // namespace weft::cli
