#include <unistd.h>

#include <iostream>

#include "app.hpp"

int main(int argc, char** argv) {
  weft::cli::Console console{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1};
  return weft::cli::run_cli(std::vector<std::string>(argv + 1, argv + argc), console);
}
