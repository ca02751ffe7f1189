// Requests to slurmrestd's REST API (openapi/v0.0.38, Slurm 22.05) over
// HTTP, authenticated with a JWT: X-SLURM-USER-NAME names the user and
// X-SLURM-USER-TOKEN carries the token, read from a file and read again
// whenever the file changes, since tokens expire and are replaced there
// (scontrol token lifespan=...).
//
// Blocking: used only on RestTransport's worker thread, never on weftd's
// event loop. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <ctime>
#include <string>

namespace weft::slurm {

struct RestSettings {
  std::string url;         // http://host:port of slurmrestd, perhaps with a path prefix
  std::string user;        // whose jobs these are; they run as this user
  std::string token_file;  // holds the user's JWT
  std::chrono::milliseconds request_timeout{10000};
};

// The API version this client speaks: the paths start with it.
inline constexpr const char* kSlurmrestdApi = "/slurm/v0.0.38";

struct RestReply {
  int status = 0;     // 0: there was no answer, error says why
  std::string body;   // JSON text
  std::string error;  // no answer: the network's or the token file's failure
};

class SlurmrestdClient {
 public:
  // Throws std::invalid_argument for a URL it cannot use.
  explicit SlurmrestdClient(RestSettings settings);

  // path: below kSlurmrestdApi ("/jobs"); body: JSON text or empty.
  RestReply request(const std::string& method, const std::string& path, const std::string& body);

 private:
  // The token, read again if the file changed since; throws std::runtime_error.
  const std::string& token();

  RestSettings settings_;
  std::string host_;
  uint16_t port_ = 0;
  std::string base_path_;
  std::string token_;
  // What the token file was when token_ was read: any change means a new token.
  ino_t token_inode_ = 0;
  timespec token_mtime_{};
  off_t token_size_ = -1;
};

}  // namespace weft::slurm
