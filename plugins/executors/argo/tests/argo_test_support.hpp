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

inline weft::fakes::ArgoFake& fake() {
  static const std::unique_ptr<weft::fakes::ArgoFake> instance = [] {
    std::string dir_template = (std::filesystem::temp_directory_path() / "weft-argo-fake-XXXXXX").string();
    if (::mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("cannot make the fake's directory");
    return std::make_unique<weft::fakes::ArgoFake>(weft::fakes::ArgoFake::Options{
        .dir = dir_template, .token = kToken, .kill_grace = std::chrono::milliseconds(500)});
  }();
  return *instance;
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
