// The ctest fixture postgres_server (cmake/WeftTesting.cmake): starts a
// PostgreSQL server in a directory for the tests that require it, and stops it
// and removes the directory after them.
//   weft_postgres_fixture start DIR
//   weft_postgres_fixture stop DIR
#include <filesystem>
#include <iostream>
#include <string>

#include "weft/harness/postgres_server.hpp"

namespace fs = std::filesystem;

namespace {

// Stops a server an interrupted run left behind, and removes its directory.
void clear(const fs::path& dir) {
  weft::harness::PostgresServer left(dir);
  if (left.running()) left.stop();
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc == 3 ? argv[1] : "";
  if (command != "start" && command != "stop") {
    std::cerr << "usage: weft_postgres_fixture start|stop DIR\n";
    return 2;
  }
  const fs::path dir = argv[2];
  try {
    clear(dir);
    if (command == "start") {
      fs::create_directories(dir);
      weft::harness::PostgresServer server(dir);
      server.start();
      server.detach();
      std::cout << "PostgreSQL runs in " << dir.string() << '\n';
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
}
