#include <gtest/gtest.h>

#include "arguments.hpp"
#include "params.hpp"

namespace weft::cli {
namespace {

using nlohmann::json;

TEST(Params, NumbersBooleansAndArraysAreJson) {
  EXPECT_EQ(parse_params({"n=42", "x=1.5", "flag=true", "list=[1,2]", "none=null"}),
            json({{"n", 42}, {"x", 1.5}, {"flag", true}, {"list", {1, 2}}, {"none", nullptr}}));
}

TEST(Params, ObjectsAreJson) { EXPECT_EQ(parse_params({R"(o={"a":1})"}), json({{"o", {{"a", 1}}}})); }

TEST(Params, WhatIsNotJsonIsAString) {
  EXPECT_EQ(parse_params({"date=2026-01-01", "name=daily ingest"}),
            json({{"date", "2026-01-01"}, {"name", "daily ingest"}}));
}

TEST(Params, AQuotedValueIsAStringEvenWhenItLooksLikeANumber) {
  EXPECT_EQ(parse_params({R"(id="42")"}), json({{"id", "42"}}));
}

TEST(Params, AnEmptyValueIsAnEmptyString) { EXPECT_EQ(parse_params({"empty="}), json({{"empty", ""}})); }

TEST(Params, OnlyTheFirstEqualsSplits) { EXPECT_EQ(parse_params({"expr=a=b"}), json({{"expr", "a=b"}})); }

TEST(Params, ALaterValueForTheSameKeyWins) { EXPECT_EQ(parse_params({"a=1", "a=2"}), json({{"a", 2}})); }

TEST(Params, NoParamsIsAnEmptyObject) { EXPECT_EQ(parse_params({}), json::object()); }

TEST(Params, AWordWithoutEqualsIsBadUsage) { EXPECT_THROW(parse_params({"date"}), UsageError); }

TEST(Params, AnEmptyKeyIsBadUsage) { EXPECT_THROW(parse_params({"=1"}), UsageError); }

}  // namespace
}  // namespace weft::cli
