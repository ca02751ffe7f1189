// weft from argv to exit code.
#pragma once

#include <string>
#include <vector>

#include "commands.hpp"

namespace weft::cli {

// `args` excludes the program name. Prints results to console.out, errors and
// usage to console.err; returns 0 on success, 1 for a failed run or request, 2
// for bad usage. The server is --server, else $WEFT_SERVER, else
// http://127.0.0.1:8080; the token comes from discover_token().
int run_cli(const std::vector<std::string>& args, Console& console);

}  // namespace weft::cli
