// A real PostgreSQL server for the programs that need one (the postgres
// store's tests, the end-to-end tests, the benchmark): Debian's package, in a
// directory of its own, reached only through a unix socket there, started as
// an unprivileged user when run as root (the server refuses to run as root).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace weft::harness {

class PostgresServer {
 public:
  // The server's directory: its data, socket, logs and password file. It must
  // exist, and when run as root, the user postgres must be able to reach it
  // (every parent searchable); nothing runs until start().
  explicit PostgresServer(std::filesystem::path dir);
  // Stops the server if this object started it and did not detach().
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates the cluster on the first start (initdb), then starts the server
  // and waits until it accepts connections. Throws std::runtime_error saying
  // what failed and how to set PostgreSQL up when it cannot.
  void start();
  // A fast shutdown: connections are cut, the data stays. Waits until the server is gone.
  void stop();
  // Leaves the server running when the object goes (a ctest fixture's setup).
  void detach() { started_ = false; }
  // Whether a server answers on the socket; false when the directory holds none.
  bool running() const;

  const std::filesystem::path& dir() const { return dir_; }
  // weftd's "storage" settings for this server: the postgres plugin, its
  // tables in `schema` of the database "weft".
  nlohmann::json store_config(const std::string& schema = "weft") const;

 private:
  // Runs a program of the server's bin directory as the cluster's owner; throws with the logs unless it exits 0.
  void run(const std::string& what, const std::vector<std::string>& arguments) const;

  std::filesystem::path dir_;
  bool started_ = false;
};

}  // namespace weft::harness
