#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arguments.hpp"
#include "cli_test_support.hpp"

namespace weft::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::run_weft;
using ::testing::StartsWith;

TEST(Usage, NoCommandExits2WithTheGeneralUsage) {
  const auto outcome = run_weft({});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, HasSubstr("usage: weft"));
  EXPECT_THAT(outcome.err, HasSubstr("weft run NAME [-p key=value]... [--wait]"));
}

TEST(Usage, UnknownCommandExits2) {
  const auto outcome = run_weft({"frobnicate"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("weft: unknown command 'frobnicate'"));
}

TEST(Usage, UnknownOptionExits2WithTheCommandsUsage) {
  const auto outcome = run_weft({"runs", "--colour"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("weft: unknown option --colour"));
  EXPECT_THAT(outcome.err, HasSubstr("usage: weft runs"));
}

TEST(Usage, MissingArgumentExits2NamingIt) {
  const auto outcome = run_weft({"logs", "run-1"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("weft: missing TASK"));
  EXPECT_THAT(outcome.err, HasSubstr("usage: weft logs RUN TASK"));
}

TEST(Usage, ExtraArgumentExits2) { EXPECT_EQ(run_weft({"status", "run-1", "run-2"}).exit_code, 2); }

TEST(Usage, ApplyWithoutFileExits2) {
  const auto outcome = run_weft({"apply"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("weft: missing --file FILE"));
}

TEST(Usage, OptionWithoutItsValueExits2) {
  EXPECT_THAT(run_weft({"runs", "--status"}).err, StartsWith("weft: --status needs a value"));
}

TEST(Usage, OutputFormatMustBeJsonOrText) {
  const auto outcome = run_weft({"-o", "yaml", "runs"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("weft: -o takes json or text"));
}

TEST(Usage, AParamWithoutEqualsExits2WithTheCommandsUsage) {
  const auto outcome = run_weft({"--server", "http://127.0.0.1:1", "run", "daily", "-p", "date"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("weft: -p takes key=value, not 'date'"));
  EXPECT_THAT(outcome.err, HasSubstr("usage: weft run NAME"));
}

TEST(Usage, ANonHttpServerExits2) {
  const auto outcome = run_weft({"--server", "ftp://example", "workflows"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_THAT(outcome.err, StartsWith("weft: --server takes http://HOST[:PORT] or https://HOST[:PORT]"));
}

TEST(Usage, HelpOfACommandExits0) {
  const auto outcome = run_weft({"run", "--help"});
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_THAT(outcome.out, StartsWith("usage: weft run NAME [-p key=value]... [--wait]"));
  EXPECT_THAT(outcome.out, HasSubstr("-p, --param key=value"));
}

TEST(Usage, HelpCommandShowsACommandsUsage) {
  EXPECT_THAT(run_weft({"help", "logs"}).out, StartsWith("usage: weft logs RUN TASK [-f] [--stderr]"));
}

TEST(Usage, HelpAloneShowsEveryCommand) {
  const auto outcome = run_weft({"--help"});
  EXPECT_EQ(outcome.exit_code, 0);
  for (const auto& command : command_specs()) EXPECT_THAT(outcome.out, HasSubstr("weft " + command.name));
}

TEST(Arguments, GlobalOptionsMayFollowTheCommand) {
  const Invocation invocation = parse_arguments({"runs", "-o", "json", "--server=http://h:1"});
  EXPECT_EQ(invocation.output, OutputFormat::json);
  EXPECT_EQ(invocation.server, "http://h:1");
}

TEST(Arguments, RepeatedParamsAreAllKept) {
  const Invocation invocation = parse_arguments({"run", "daily", "-p", "a=1", "--param=b=2", "--wait"});
  EXPECT_THAT(invocation.arguments, ElementsAre("daily"));
  EXPECT_THAT(invocation.values("--param"), ElementsAre("a=1", "b=2"));
  EXPECT_TRUE(invocation.flag("--wait"));
}

TEST(Arguments, ShortFMeansFileForApplyAndFollowForLogs) {
  EXPECT_EQ(parse_arguments({"apply", "-f", "w.json"}).value("--file"), "w.json");
  EXPECT_TRUE(parse_arguments({"logs", "r", "t", "-f"}).flag("--follow"));
}

TEST(Arguments, ANonRepeatableOptionGivenTwiceIsBadUsage) {
  EXPECT_THROW(parse_arguments({"runs", "--status", "failed", "--status", "running"}), UsageError);
}

TEST(Arguments, DoubleDashEndsOptions) {
  EXPECT_THAT(parse_arguments({"status", "--", "-odd-id"}).arguments, ElementsAre("-odd-id"));
}

}  // namespace
}  // namespace weft::cli
