#include "workflow/expression.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const json context = json::parse(R"({
  "params": {"date": "2026-01-01", "size": 10, "ratio": 0.5, "tags": ["a", "b"], "name": "héllo"},
  "nodes": {"list": {"output": {"files": ["x", "y", "z"], "count": 3, "empty": []}},
            "process": {"outputs": [1, 2]}},
  "run": {"id": "r-1"},
  "workflow": {"name": "daily", "version": 4}
})");

json value_of(std::string_view source) {
  auto expression = Expression::parse(source);
  if (!expression) {
    ADD_FAILURE() << expression.failure().message;
    return nullptr;
  }
  auto value = expression->evaluate(JsonScope(context));
  if (!value) {
    ADD_FAILURE() << value.failure().message;
    return nullptr;
  }
  return value.value();
}

std::string parse_error(std::string_view source) {
  auto expression = Expression::parse(source);
  return expression ? "parsed" : expression.failure().message;
}

std::string evaluation_error(std::string_view source) {
  auto expression = Expression::parse(source);
  if (!expression) return "did not parse: " + expression.failure().message;
  auto value = expression->evaluate(JsonScope(context));
  return value ? "evaluated to " + value.value().dump() : value.failure().message;
}

TEST(Expression, LiteralsEvaluateToThemselves) {
  EXPECT_EQ(value_of("42"), 42);
  EXPECT_EQ(value_of("-1.5"), -1.5);
  EXPECT_EQ(value_of("2e3"), 2000.0);
  EXPECT_EQ(value_of("'single'"), "single");
  EXPECT_EQ(value_of("\"double\""), "double");
  EXPECT_EQ(value_of("true"), true);
  EXPECT_EQ(value_of("false"), false);
  EXPECT_EQ(value_of("null"), nullptr);
}

TEST(Expression, StringEscapesAreDecoded) { EXPECT_EQ(value_of(R"('it\'s a \"b\"\n\\')"), "it's a \"b\"\n\\"); }

TEST(Expression, UnknownEscapeIsAParseError) { EXPECT_THAT(parse_error(R"('\q')"), HasSubstr("unknown escape")); }

TEST(Expression, PathsReadTheScope) {
  EXPECT_EQ(value_of("params.date"), "2026-01-01");
  EXPECT_EQ(value_of("nodes.list.output.files"), json({"x", "y", "z"}));
  EXPECT_EQ(value_of("nodes.process.outputs"), json({1, 2}));
  EXPECT_EQ(value_of("run.id"), "r-1");
  EXPECT_EQ(value_of("workflow.version"), 4);
}

TEST(Expression, NumericSegmentsAndBracketsIndexArrays) {
  EXPECT_EQ(value_of("nodes.list.output.files.1"), "y");
  EXPECT_EQ(value_of("nodes.list.output.files[2]"), "z");
  EXPECT_EQ(value_of("nodes.list.output['files'][0]"), "x");
}

TEST(Expression, AndBindsTighterThanOr) {
  EXPECT_EQ(value_of("true || false && false"), true);
  EXPECT_EQ(value_of("(true || false) && false"), false);
}

TEST(Expression, NotAppliesToTheNextOperandOnly) {
  EXPECT_EQ(value_of("!0 == true"), true);
  EXPECT_EQ(value_of("!(0 == 1)"), true);
  EXPECT_EQ(value_of("!!params.size"), true);
}

TEST(Expression, ComparisonsBindTighterThanAnd) { EXPECT_EQ(value_of("1 < 2 && 'a' == 'a'"), true); }

TEST(Expression, NumbersCompareByValueWhateverTheirRepresentation) {
  EXPECT_EQ(value_of("1 == 1.0"), true);
  EXPECT_EQ(value_of("params.ratio < 1"), true);
  EXPECT_EQ(value_of("params.size >= 10"), true);
  EXPECT_EQ(value_of("params.size > 10"), false);
  EXPECT_EQ(value_of("-2 <= -2"), true);
}

TEST(Expression, StringsCompareLexicographically) {
  EXPECT_EQ(value_of("params.date < '2026-02-01'"), true);
  EXPECT_EQ(value_of("'b' > 'abc'"), true);
}

TEST(Expression, EqualityOfDifferentTypesIsFalse) {
  EXPECT_EQ(value_of("'1' == 1"), false);
  EXPECT_EQ(value_of("null != false"), true);
}

TEST(Expression, EqualityComparesArraysAndObjectsDeeply) {
  EXPECT_EQ(value_of("params.tags == params.tags"), true);
  EXPECT_EQ(value_of("nodes.list.output.empty == nodes.process.outputs"), false);
}

TEST(Expression, OrderingDifferentTypesIsAnErrorNamingBoth) {
  EXPECT_EQ(evaluation_error("params.date < 1"),
            "expression 'params.date < 1' at column 13: cannot compare string with number using '<'");
}

TEST(Expression, OrderingNullIsAnError) {
  EXPECT_THAT(evaluation_error("null >= null"), HasSubstr("cannot compare null with null using '>='"));
}

TEST(Expression, LenCountsArraysObjectsAndCharacters) {
  EXPECT_EQ(value_of("len(nodes.list.output.files)"), 3);
  EXPECT_EQ(value_of("len(nodes.list.output)"), 3);
  EXPECT_EQ(value_of("len(params.name)"), 5);
  EXPECT_EQ(value_of("len('')"), 0);
  EXPECT_EQ(value_of("len(nodes.process.outputs) >= 1"), true);
}

TEST(Expression, LenOfANumberIsAnError) {
  EXPECT_EQ(evaluation_error("len(params.size)"),
            "expression 'len(params.size)' at column 1: len() takes an array, object or string, not number");
}

TEST(Expression, TruthinessFollowsTheDocumentedTable) {
  for (const auto* falsy :
       {"false", "null", "0", "0.0", "''", "nodes.list.output.empty", "len(nodes.list.output.empty)"}) {
    EXPECT_EQ(value_of(std::string("!") + falsy), true) << falsy;
  }
  for (const auto* truthy : {"true", "1", "-1", "0.5", "'0'", "'false'", "params.tags", "nodes.list.output"}) {
    EXPECT_EQ(value_of(std::string("!") + truthy), false) << truthy;
  }
}

TEST(Expression, TestReturnsTruthiness) {
  auto expression = Expression::parse("nodes.list.output.files");
  ASSERT_TRUE(expression.ok());
  auto result = expression->test(JsonScope(context));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.value());
}

TEST(Expression, AndAndOrStopAtTheDecidingOperand) {
  EXPECT_EQ(value_of("false && nodes.list.output.missing"), false);
  EXPECT_EQ(value_of("true || nodes.list.output.missing"), true);
}

TEST(Expression, AndAndOrYieldBooleans) { EXPECT_EQ(value_of("params.size && params.date"), true); }

TEST(Expression, PathThatDoesNotResolveIsAnErrorNamingThePath) {
  EXPECT_EQ(evaluation_error("nodes.list.output.filez == 1"),
            "expression 'nodes.list.output.filez == 1' at column 1: no 'filez' in nodes.list.output");
}

TEST(Expression, IndexOutOfRangeIsAnError) {
  EXPECT_THAT(evaluation_error("nodes.list.output.files[3]"),
              HasSubstr("no [3] in nodes.list.output.files (3 elements)"));
}

TEST(Expression, NodeWithoutOutputIsAnError) {
  EXPECT_THAT(evaluation_error("nodes.other.output"), HasSubstr("nodes.other.output is not set"));
}

TEST(Expression, ParseErrorNamesTheExpressionAndColumn) {
  EXPECT_EQ(parse_error("params.size <"), "expression 'params.size <' at column 14: expected a value, found the end");
}

TEST(Expression, UnknownNameIsAParseError) {
  EXPECT_THAT(
      parse_error("parms.size"),
      HasSubstr("at column 1: unknown name 'parms'; paths start with params, nodes, item, index, run or workflow"));
}

TEST(Expression, TrailingInputIsAParseError) {
  EXPECT_EQ(parse_error("1 2"), "expression '1 2' at column 3: unexpected '2'");
}

TEST(Expression, ComparisonsDoNotChain) {
  EXPECT_THAT(parse_error("1 < 2 < 3"), HasSubstr("at column 7: comparisons do not chain"));
}

TEST(Expression, UnclosedParenthesisIsAParseError) {
  EXPECT_THAT(parse_error("(1 == 1"), HasSubstr("expected ')', found the end"));
}

TEST(Expression, NestingUpToTheLimitIsAccepted) {
  EXPECT_EQ(value_of(std::string(64, '(') + "1" + std::string(64, ')')), 1);
}

TEST(Expression, NestingBeyondTheLimitIsRejected) {
  EXPECT_THAT(parse_error(std::string(65, '(') + "1" + std::string(65, ')')), HasSubstr("nested more than 64 levels"));
  EXPECT_THAT(parse_error(std::string(100000, '!') + "1"), HasSubstr("nested more than 64 levels"));
}

TEST(Expression, LongChainsOfAndAreNotNesting) {
  std::string source = "true";
  for (int i = 0; i < 10000; ++i) source += " && true";
  EXPECT_EQ(value_of(source), true);
}

TEST(Expression, ReferencesListEveryPathInSourceOrder) {
  auto expression = Expression::parse("len(nodes.a.outputs) > 0 && params.x[0] == item");
  ASSERT_TRUE(expression.ok());
  std::vector<std::string> texts;
  for (const auto& path : expression->references()) texts.push_back(path.text());
  EXPECT_THAT(texts, ElementsAre("nodes.a.outputs", "params.x[0]", "item"));
}

}  // namespace
}  // namespace weft::daemon
