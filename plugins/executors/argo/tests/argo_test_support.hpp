// What the argo executor's tests share: one fake argo-server for the whole
// test binary (making its certificate costs a moment), and the executor's
// configuration pointing at it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "argo_fake.hpp"

namespace weft::argo::testing {

inline constexpr const char* kToken = "first-token";

// The fake and the directory it keeps its certificate and pod logs in,
// removed when the test binary exits.
class FakeInTempDir {
 public:
  FakeInTempDir()
      : dir_(make_dir()), fake_({.dir = dir_, .token = kToken, .kill_grace = std::chrono::milliseconds(500)}) {}
  ~FakeInTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeInTempDir(const FakeInTempDir&) = delete;
  FakeInTempDir& operator=(const FakeInTempDir&) = delete;
  weft::fakes::ArgoFake& fake() { return fake_; }

 private:
  static std::filesystem::path make_dir() {
    std::string dir = (std::filesystem::temp_directory_path() / "weft-argo-fake-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("cannot make the fake's directory");
    return dir;
  }
  std::filesystem::path dir_;
  weft::fakes::ArgoFake fake_;
};

inline weft::fakes::ArgoFake& fake() {
  static FakeInTempDir instance;
  return instance.fake();
}

// The executor's configuration for tests under scratch_dir, with the token in a file there.
inline nlohmann::json config_in(const std::filesystem::path& scratch_dir) {
  const auto token_file = scratch_dir / "token";
  std::ofstream(token_file) << kToken << "\n";
  return {{"server", fake().url()},
          {"namespace", "weft-tests"},
          {"token_file", token_file.string()},
          {"ca_file", fake().ca_file().string()},
          {"default_image", "debian:12-slim"},
          {"poll_interval_s", 0.05},
          {"max_backoff_s", 0.5},
          {"separate_stderr", true},
          {"scratch_dir", scratch_dir.string()}};
}

// Fails the test binary if any request the executor sent did not conform
// to the swagger document.
class NoViolations : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& v : fake().violations()) ADD_FAILURE() << "a request did not conform: " << v;
  }
};

}  // namespace weft::argo::testing
