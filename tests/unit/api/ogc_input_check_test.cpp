// The checks of OGC execution inputs against their schemas: each keyword of
// the subset workflow documents may use, and the message that names what is
// wrong (the API puts the input's id before it).
#include "api/ogc/input_check.hpp"

#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using nlohmann::json;

std::string violation(const json& value, const json& schema) {
  return schema_violation(value, schema).value_or("conforms");
}

TEST(OgcInputCheck, TypesAndNumbers) {
  const json number = {{"type", "number"}, {"minimum", 0}, {"maximum", 10}};
  EXPECT_EQ(violation(5, number), "conforms");
  EXPECT_EQ(violation(2.5, number), "conforms");
  EXPECT_EQ(violation(11, number), "is 11, above the maximum 10");
  EXPECT_EQ(violation(-1, number), "is -1, below the minimum 0");
  EXPECT_EQ(violation("5", number), "is a string, not a number");
  EXPECT_EQ(violation(10, {{"maximum", 10}, {"exclusiveMaximum", true}}), "is 10, above the maximum 10");
  EXPECT_EQ(violation(3.0, {{"type", "integer"}}), "conforms");
  EXPECT_EQ(violation(3.5, {{"type", "integer"}}), "is a number, not an integer");
  EXPECT_EQ(violation(nullptr, {{"type", "string"}, {"nullable", true}}), "conforms");
  EXPECT_EQ(violation("b", {{"enum", {"a"}}}), "is not one of [\"a\"]");
}

TEST(OgcInputCheck, StringsArraysAndObjects) {
  EXPECT_EQ(violation("ab", {{"minLength", 3}}), "is shorter than 3 characters");
  EXPECT_EQ(violation("abc", {{"pattern", "^a"}}), "conforms");
  EXPECT_EQ(violation("xbc", {{"pattern", "^a"}}), "does not match the pattern \"^a\"");
  const json integers = {{"type", "array"}, {"minItems", 1}, {"maxItems", 2}, {"items", {{"type", "integer"}}}};
  EXPECT_EQ(violation({1, 2}, integers), "conforms");
  EXPECT_EQ(violation(json::array(), integers), "has 0 items, fewer than 1");
  EXPECT_EQ(violation({1, "x"}, integers), "/1 is a string, not an integer");
  const json point = {{"type", "object"},
                      {"required", {"x"}},
                      {"properties", {{"x", {{"type", "number"}}}}},
                      {"additionalProperties", false}};
  EXPECT_EQ(violation({{"x", 1}}, point), "conforms");
  EXPECT_EQ(violation({{"y", 1}}, point), "has no 'x', which is required");
  EXPECT_EQ(violation({{"x", 1}, {"y", 1}}, point), "has 'y', which is not allowed");
  EXPECT_EQ(violation({{"x", "1"}}, point), "/x is a string, not a number");
}

TEST(OgcInputCheck, Combinations) {
  const json mixed = {{"oneOf", {{{"type", "string"}, {"contentMediaType", "text/plain"}}, {{"type", "number"}}}}};
  EXPECT_EQ(violation("text", mixed), "conforms");
  EXPECT_EQ(violation(7, mixed), "conforms");
  EXPECT_EQ(violation({{"type", "wrong/type"}}, mixed), "matches none of the alternatives (oneOf)");
  EXPECT_EQ(violation(7, {{"oneOf", {{{"type", "number"}}, {{"type", "integer"}}}}}),
            "matches more than one of the alternatives (oneOf)");
  EXPECT_EQ(violation(7, {{"anyOf", {{{"type", "number"}}, {{"type", "integer"}}}}}), "conforms");
  EXPECT_EQ(violation(7, {{"allOf", {{{"format", "double"}}, {{"maximum", 5}}}}}), "is 7, above the maximum 5");
  EXPECT_EQ(violation(7, {{"not", {{"type", "number"}}}}), "matches a schema it must not (not)");
}

}  // namespace
}  // namespace weft::daemon
