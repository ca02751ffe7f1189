// What the tests of the remote executors (argo, cloudrun) share: a fixture
// with a scratch directory (kept when a test fails, to look at) and tasks
// that run shell scripts there, and a task with every field set.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <weft/sdk/task.hpp>
#include <weft/sdk/testing/fake_host.hpp>

namespace weft::remote::testing {

class RemoteExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (std::filesystem::temp_directory_path() / "weft-remote-executor-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    scratch_ = dir;
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(scratch_);
  }
  // A task running script under /bin/sh, its logs in the scratch directory.
  sdk::TaskSpec task(const std::string& name, const std::string& script, double timeout_s = 0) const {
    sdk::TaskSpec t;
    t.task_key = scratch_.filename().string() + "/" + name;
    t.run_id = "run";
    t.node = name;
    t.timeout_s = timeout_s;
    t.stdout_path = (scratch_ / (name + ".out")).string();
    t.stderr_path = (scratch_ / (name + ".err")).string();
    t.output_path = (scratch_ / (name + ".json")).string();
    t.command = sdk::Command{{"/bin/sh", "-c", script}, {}, "", "", {}};
    return t;
  }

  std::filesystem::path scratch_;
  sdk::testing::FakeHost host_;
};

// A task with a key, run id, node, attempt, resources, timeout, argv, env,
// cwd and image that need mapping.
inline sdk::TaskSpec task_with_every_field() {
  sdk::TaskSpec t;
  t.task_key = "run 1/build[2]#3";
  t.run_id = "run 1";
  t.node = "build";
  t.attempt = 3;
  t.resources = {1.5, 512, 1};
  t.timeout_s = 9.2;
  t.command = sdk::Command{{"python3", "-c", "print(1)"}, {{"K", "V"}}, "/work", "python:3.11", {}};
  return t;
}

}  // namespace weft::remote::testing
