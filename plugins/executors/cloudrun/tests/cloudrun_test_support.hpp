// What the cloudrun executor's tests share: one fake of Cloud Run, Cloud
// Logging and Google's token endpoints for the whole test binary (making its
// certificate and key costs a moment), and the executor's configuration
// pointing at it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cloudrun_fake.hpp"

namespace weft::cloudrun::testing {

// The fake and the directory it keeps its certificate, key file and
// containers' output in, removed when the test binary exits.
class FakeInTempDir {
 public:
  FakeInTempDir() : dir_(make_dir()), fake_({.dir = dir_, .kill_grace = std::chrono::milliseconds(500)}) {}
  ~FakeInTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeInTempDir(const FakeInTempDir&) = delete;
  FakeInTempDir& operator=(const FakeInTempDir&) = delete;
  weft::fakes::CloudRunFake& fake() { return fake_; }

 private:
  static std::filesystem::path make_dir() {
    std::string dir = (std::filesystem::temp_directory_path() / "weft-cloudrun-fake-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("cannot make the fake's directory");
    return dir;
  }
  std::filesystem::path dir_;
  weft::fakes::CloudRunFake fake_;
};

inline weft::fakes::CloudRunFake& fake() {
  static FakeInTempDir instance;
  return instance.fake();
}

enum class Auth { metadata_server, key_file };

// The executor's configuration for tests under scratch_dir.
inline nlohmann::json config_in(const std::filesystem::path& scratch_dir, Auth auth = Auth::metadata_server) {
  nlohmann::json config = {{"project", fake().project()},
                           {"region", "europe-west1"},
                           {"run_endpoint", fake().url()},
                           {"logging_endpoint", fake().url()},
                           {"ca_file", fake().ca_file().string()},
                           {"default_image", "debian:12-slim"},
                           {"poll_interval_s", 0.05},
                           {"max_backoff_s", 0.5},
                           {"log_wait_s", 2},
                           {"scratch_dir", scratch_dir.string()}};
  if (auth == Auth::metadata_server) {
    config["metadata_server"] = fake().url();
  } else {
    config["credentials_file"] = fake().auth().key_file().string();
  }
  return config;
}

// Fails the test binary if any request the executor sent did not conform
// to the protos.
class NoViolations : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& v : fake().violations()) ADD_FAILURE() << "a request did not conform: " << v;
  }
};

}  // namespace weft::cloudrun::testing
