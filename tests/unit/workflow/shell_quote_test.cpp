// The shell_quote filter: whatever the value, /bin/sh reads it back as one
// word equal to the value's text.
#include "workflow/template.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// What /bin/sh prints for `printf '[%s]' <word>...`: one bracketed pair per word.
std::string shell_words(const std::string& words) {
  const std::string script = "printf '[%s]' " + words;
  const std::unique_ptr<FILE, int (*)(FILE*)> shell(::popen(script.c_str(), "r"), ::pclose);
  if (!shell) {
    ADD_FAILURE() << "cannot run /bin/sh";
    return {};
  }
  std::string out;
  char buffer[256];
  for (size_t n = 0; (n = std::fread(buffer, 1, sizeof buffer, shell.get())) > 0;) out.append(buffer, n);
  return out;
}

json render(std::string_view text, const json& params) {
  const json context = {{"params", params}};
  auto compiled = StringTemplate::parse(text);
  EXPECT_TRUE(compiled) << (compiled ? "" : compiled.failure().message);
  if (!compiled) return nullptr;
  auto value = compiled->render(JsonScope(context));
  EXPECT_TRUE(value) << (value ? "" : value.failure().message);
  return value ? value.value() : nullptr;
}

TEST(ShellQuote, QuotesEveryCharacterAsOneWord) {
  for (const std::string text : {"plain", "two words", "it's", "''", "a\nnewline", "$(id) `id` $HOME ${x}",
                                 "back\\slash", "x; cat /etc/passwd", "-n", "*", "ünïcødé ✓ 日本", "tab\there"}) {
    EXPECT_EQ(shell_words(shell_quote(text)), "[" + text + "]") << text;
  }
}

TEST(ShellQuote, TheEmptyStringIsAnEmptyWord) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_words(shell_quote("") + " end"), "[][end]");
}

TEST(ShellQuote, AQuoteClosesReopens) { EXPECT_EQ(shell_quote("it's"), R"('it'\''s')"); }

TEST(ShellQuote, NonStringsAreQuotedAsTheirJson) {
  EXPECT_EQ(shell_quote(json{1, "a b"}), R"('[1,"a b"]')");
  EXPECT_EQ(shell_quote(10), "'10'");
}

TEST(ShellQuote, TheFilterTurnsAnInjectionIntoAnArgument) {
  const json script = render("echo {{ params.x | shell_quote }}", {{"x", "x; cat /etc/hostname"}});
  EXPECT_EQ(script, "echo 'x; cat /etc/hostname'");
  EXPECT_EQ(shell_words(script.get<std::string>().substr(5)), "[x; cat /etc/hostname]");
}

TEST(ShellQuote, AFilteredPlaceholderAloneIsAString) {
  EXPECT_EQ(render("{{ params.n | shell_quote }}", {{"n", 5}}), "'5'");
  EXPECT_EQ(render("{{params.n|shell_quote}}", {{"n", "a"}}), "'a'");
}

TEST(ShellQuote, UnknownFiltersAndMissingNamesAreParseErrors) {
  const auto unknown = StringTemplate::parse("{{ params.x | upper }}");
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.failure().message, HasSubstr("unknown filter 'upper'; the only filter is shell_quote"));
  const auto missing = StringTemplate::parse("{{ params.x | }}");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.failure().message, HasSubstr("expected a filter name after '|'"));
}

TEST(ShellQuote, OrStillMeansOr) { EXPECT_EQ(render("{{ params.a || params.b }}", {{"a", false}, {"b", true}}), true); }

TEST(ShellQuote, OnlyUnfilteredPlaceholdersAreUnquoted) {
  const auto parsed = StringTemplate::parse("a {{ params.x | shell_quote }} b {{ params.y }}");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->unquoted_placeholders(), std::vector<std::string>{"{{ params.y }}"});
}

}  // namespace
}  // namespace weft::daemon
