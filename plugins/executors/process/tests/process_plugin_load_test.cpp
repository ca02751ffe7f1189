// The built plugin file, loaded as weftd loads it, running one task through
// the C vtable.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <weft/sdk/testing/fake_host.hpp>

#include "test_files.hpp"

namespace {

using nlohmann::json;
using weft::process_test::ScratchDir;
using weft::sdk::str;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;

const char* const kPluginFile = WEFT_BUILD_DIR "/lib/weft/plugins/libweft-executor-process.so.1";

class ProcessPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(vtable_.create(host_.api(), str(R"({"kill_grace_s": 1})"), &executor_, &error_), WEFT_OK)
        << error_.message;
  }
  void TearDown() override {
    if (executor_ != nullptr) vtable_.destroy(executor_);
  }

  std::string spec(const std::string& key, const json& argv) const {
    return json{{"task_key", key},
                {"run_id", "run-1"},
                {"node", "step"},
                {"index", nullptr},
                {"attempt", 1},
                {"argv", argv},
                {"env", json::object()},
                {"resources", json::object()},
                {"stdout_path", dir_ / "out"},
                {"stderr_path", dir_ / "err"},
                {"output_path", dir_ / "output.json"}}
        .dump();
  }

  ScratchDir dir_;
  FakeHost host_;
  LoadedPlugin plugin_{kPluginFile};
  const weft_executor_vtable& vtable_ = plugin_.executor_vtable("process");
  void* executor_ = nullptr;
  weft_error error_{};
};

TEST_F(ProcessPluginTest, RunsATaskThroughTheCVtable) {
  const std::string task = spec("vtable", {"/bin/sh", "-c", R"(echo '[1, 2]' > "$WEFT_OUTPUT")"});

  ASSERT_EQ(vtable_.start(executor_, str(task), &error_), WEFT_OK) << error_.message;
  const auto finished = host_.wait_for_finished("vtable");

  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->exit_code, 0);
  EXPECT_EQ(finished->output_json, "[1, 2]\n");
}

TEST_F(ProcessPluginTest, StartOfAMissingProgramFailsWithItsName) {
  const std::string task = spec("missing", {"weft-no-such-program"});

  EXPECT_EQ(vtable_.start(executor_, str(task), &error_), WEFT_ERROR);
  EXPECT_STREQ(error_.message, "cannot start 'weft-no-such-program': No such file or directory");
}

TEST_F(ProcessPluginTest, CancelOfAnUnknownTaskIsNotFound) {
  EXPECT_EQ(vtable_.cancel(executor_, str("nobody"), &error_), WEFT_NOT_FOUND);
}

}  // namespace
