#include "workflow/shell_script_check.hpp"

#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using nlohmann::json;

// The paths of the warnings for a one-node document running `argv`.
std::vector<std::string> warned(const json& argv) {
  const json document = {{"nodes", {{{"id", "a"}, {"type", "command"}, {"params", {{"argv", argv}}}}}}};
  std::vector<std::string> paths;
  for (const auto& warning : shell_script_warnings(document)) paths.push_back(warning.path);
  return paths;
}

const std::vector<std::string> kScriptAt2 = {"/nodes/0/params/argv/2"};

TEST(ShellScriptWarnings, FindTheScriptOfEveryShellSpelling) {
  EXPECT_EQ(warned({"sh", "-c", "echo {{ params.x }}"}), kScriptAt2);
  EXPECT_EQ(warned({"/bin/bash", "-ec", "echo {{ params.x }}"}), kScriptAt2);
  EXPECT_EQ(warned({"dash", "-c", "a{{ item }}b"}), kScriptAt2);
  EXPECT_EQ(warned({"env", "sh", "-c", "{{ params.x }}"}), std::vector<std::string>{"/nodes/0/params/argv/3"});
  EXPECT_EQ(warned({"bash", "-e", "-c", "{{ params.x }}"}), std::vector<std::string>{"/nodes/0/params/argv/3"});
}

TEST(ShellScriptWarnings, SpareWhatIsNotShellCode) {
  EXPECT_TRUE(warned({"echo", "{{ params.x }}"}).empty());
  EXPECT_TRUE(warned({"sh", "-c", "echo \"$1\"", "sh", "{{ params.x }}"}).empty());
  EXPECT_TRUE(warned({"sh", "-c", "echo {{ params.x | shell_quote }}"}).empty());
  EXPECT_TRUE(warned({"sh", "script.sh", "{{ params.x }}"}).empty());
  EXPECT_TRUE(warned({"sh", "-c", "echo plain"}).empty());
  EXPECT_TRUE(warned({"python3", "-c", "print({{ params.x }})"}).empty());
}

TEST(ShellScriptWarnings, IgnoreWhatValidationRefuses) {
  EXPECT_TRUE(shell_script_warnings(json::array()).empty());
  EXPECT_TRUE(shell_script_warnings({{"nodes", "x"}}).empty());
  EXPECT_TRUE(shell_script_warnings({{"nodes", {1, {{"params", {{"argv", {"sh", "-c", 3}}}}}}}}).empty());
  EXPECT_TRUE(warned({"sh", "-c", "{{ params.x"}).empty());
  EXPECT_TRUE(warned({"sh", "-c"}).empty());
}

}  // namespace
}  // namespace weft::daemon
