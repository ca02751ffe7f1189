// The SDK as a third party uses it: install it from this build, build the
// example plugin (examples/plugins/greet) against that install alone, load it
// into weftd and run a workflow with it. One cmake configure and build.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Runs `command` through sh; true if it exited 0. Its output goes into the
// test's failure message otherwise.
::testing::AssertionResult succeeds(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return ::testing::AssertionFailure() << "cannot run " << command;
  std::string output;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << command << "\nexited with status " << status << ":\n" << output;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// weftd refuses plugin files and directories that group or others can write,
// and the build wrote them under the test's umask.
void make_owner_only_writable(const fs::path& path) {
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
}

class SdkExample : public ::testing::Test {
 protected:
  // The SDK's part of this build only: headers and the WeftSDK package.
  void install_sdk() {
    ASSERT_TRUE(succeeds("cmake --install " + quoted(build_dir() / "sdk") + " --prefix " + quoted(sdk_prefix_)));
  }

  // The example is copied out of weft's source tree, so nothing but the
  // installed SDK is within its reach; warnings are errors, as a careful
  // third party would build it.
  void build_example() {
    fs::copy(source_dir() / "examples" / "plugins" / "greet", example_source_, fs::copy_options::recursive);
    ASSERT_TRUE(succeeds("cmake -S " + quoted(example_source_) + " -B " + quoted(example_build_) +
                         " -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH=" + quoted(sdk_prefix_) +
                         " -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF" +
                         " -DWEFT_PLUGIN_OUTPUT_DIR=" + quoted(plugin_dir_) +
                         " '-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror'"));
    ASSERT_TRUE(succeeds("cmake --build " + quoted(example_build_)));
    make_owner_only_writable(plugin_dir_);
    make_owner_only_writable(plugin_dir_ / "libweft-node-greet.so.2");
  }

  TempDir dir_;
  const fs::path sdk_prefix_ = dir_.path() / "sdk";
  const fs::path example_source_ = dir_.path() / "greet";
  const fs::path example_build_ = dir_.path() / "build";
  const fs::path plugin_dir_ = dir_.path() / "plugins";
};

TEST_F(SdkExample, TheGreetPluginBuiltAgainstTheInstalledSdkAloneGreetsInAWorkflow) {
  ASSERT_NO_FATAL_FAILURE(install_sdk());
  ASSERT_NO_FATAL_FAILURE(build_example());
  EXPECT_NE(read_file(example_build_ / "CMakeCache.txt").find("WeftSDK_DIR:PATH=" + sdk_prefix_.string()),
            std::string::npos)
      << "the example found a WeftSDK package outside " << sdk_prefix_;
  EXPECT_EQ(read_file(example_build_ / "build.ninja").find((source_dir() / "sdk").string()), std::string::npos)
      << "the example's build refers to weft's source tree";

  WeftdOptions options;
  options.extra_plugin_dirs = {plugin_dir_};
  WeftdProcess weftd(options);
  weftd.apply(
      workflow("hello", {Node("greet", "greet", {{"name", "{{ params.who }}"}})}, {{"params", {{"who", "world"}}}}));
  const auto run = weftd.wait_run(weftd.start_run("hello"));
  ASSERT_EQ(run["status"], "succeeded") << run << weftd.log();
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["greet"], json({{"greeting", "hello, world"}}));
}

}  // namespace
}  // namespace weft::test
