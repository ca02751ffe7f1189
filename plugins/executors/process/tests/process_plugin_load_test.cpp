// The built plugin file, loaded as weftd loads it, running one task through
// the C vtable.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>

#include "test_files.hpp"

namespace {

using weft::process_test::ScratchDir;
using weft::sdk::AbiTaskSpec;
using weft::sdk::str;
using weft::sdk::TaskSpec;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;

const char* const kPluginFile = WEFT_PLUGIN_FILE;

class ProcessPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(vtable_.create(host_.api(), str(R"({"kill_grace_s": 1})"), &executor_, &error_), WEFT_OK)
        << error_.message;
  }
  void TearDown() override {
    if (executor_ != nullptr) vtable_.destroy(executor_);
  }

  TaskSpec spec(const std::string& key, std::vector<std::string> argv) const {
    return weft::process_test::task_in(dir_, key, std::move(argv));
  }

  // start through the C vtable, with the task as weftd passes it.
  weft_status start(const TaskSpec& task) {
    const AbiTaskSpec abi(task);
    return vtable_.start(executor_, abi.get(), &error_);
  }

  ScratchDir dir_;
  FakeHost host_;
  LoadedPlugin plugin_{kPluginFile};
  const weft_executor_vtable& vtable_ = plugin_.executor_vtable("process");
  void* executor_ = nullptr;
  weft_error error_{};
};

TEST_F(ProcessPluginTest, RunsATaskThroughTheCVtable) {
  ASSERT_EQ(start(spec("vtable", {"/bin/sh", "-c", R"(echo '[1, 2]' > "$WEFT_OUTPUT")"})), WEFT_OK) << error_.message;
  const auto finished = host_.wait_for_finished("vtable");

  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->exit_code, 0);
  EXPECT_EQ(finished->output_json, "[1, 2]\n");
}

TEST_F(ProcessPluginTest, StartOfAMissingProgramFailsWithItsName) {
  EXPECT_EQ(start(spec("missing", {"weft-no-such-program"})), WEFT_ERROR);
  EXPECT_STREQ(error_.message, "cannot start 'weft-no-such-program': No such file or directory");
}

TEST_F(ProcessPluginTest, StartOfATaskWithoutACommandFails) {
  auto task = spec("no-command", {"/bin/true"});
  task.command.reset();

  EXPECT_EQ(start(task), WEFT_ERROR);
  EXPECT_STREQ(error_.message, "the task spec has no command");
  EXPECT_TRUE(host_.events().empty());
}

TEST_F(ProcessPluginTest, StartOfAnInvalidEnvNameFailsNamingIt) {
  auto task = spec("bad-env", {"/bin/true"});
  task.command->env = {{"A=B", "x"}};

  EXPECT_EQ(start(task), WEFT_ERROR);
  EXPECT_NE(std::string(error_.message).find("invalid variable name 'A=B'"), std::string::npos) << error_.message;
}

TEST_F(ProcessPluginTest, CancelOfAnUnknownTaskIsNotFound) {
  EXPECT_EQ(vtable_.cancel(executor_, str("nobody"), &error_), WEFT_NOT_FOUND);
}

}  // namespace
