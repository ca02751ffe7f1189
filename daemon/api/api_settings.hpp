// What the API server is told by weftd's configuration.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace weft::daemon {

struct ApiSettings {
  std::string listen = "127.0.0.1:8080";  // "host:port"; port 0 picks a free port (see ApiServer::port)
  size_t max_body_bytes = 1024 * 1024;    // larger request bodies are refused with 413
  bool auth_enabled = true;               // false: no tokens are asked for
  std::filesystem::path state_dir;        // where task log files live (scheduler/task_files.hpp)
  int threads = 8;                        // requests served at once; a following log holds one
};

}  // namespace weft::daemon
