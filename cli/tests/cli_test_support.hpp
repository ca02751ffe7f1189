// Runs weft in-process with captured output.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "app.hpp"

namespace weft::cli::testing {

struct CliOutcome {
  int exit_code;
  std::string out;
  std::string err;
};

inline CliOutcome run_weft(const std::vector<std::string>& args, bool terminal = false) {
  std::ostringstream out;
  std::ostringstream err;
  Console console{out, err, terminal};
  const int exit_code = run_cli(args, console);
  return {exit_code, out.str(), err.str()};
}

}  // namespace weft::cli::testing
