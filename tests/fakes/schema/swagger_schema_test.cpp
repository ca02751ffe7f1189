// The checker the fake servers hold request bodies to: each keyword it
// claims to handle refuses what it should and lets through what it should.
#include "swagger_schema.hpp"

#include <gtest/gtest.h>

namespace {

using nlohmann::json;
using weft::fakes::SwaggerSchema;

const SwaggerSchema& schema() {
  static const SwaggerSchema s(json::parse(R"({"definitions": {
    "Pet": {"type": "object", "required": ["name"], "properties": {
      "name": {"type": "string"},
      "age": {"type": "integer", "format": "int32"},
      "kind": {"type": "string", "enum": ["cat", "dog"]},
      "tags": {"type": "array", "items": {"type": "string"}},
      "owner": {"$ref": "#/definitions/Owner"},
      "extra": {"type": "object", "additionalProperties": {"type": "number"}},
      "free": {"type": "object"}}},
    "Owner": {"type": "object", "properties": {"pets": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}},
    "Closed": {"type": "object", "additionalProperties": false}
  }})"));
  return s;
}

std::vector<std::string> problems(const char* value, const char* definition = "Pet") {
  return schema().problems(json::parse(value), definition);
}

TEST(SwaggerSchema, AConformingValueHasNoProblems) {
  EXPECT_TRUE(problems(R"({"name": "rex", "age": 3, "kind": "dog", "tags": ["a"], "extra": {"w": 1.5},
                           "free": {"anything": [1, {}]}, "owner": {"pets": [{"name": "tom"}]}})")
                  .empty());
}

TEST(SwaggerSchema, EachViolationIsNamedWithItsPointer) {
  const auto found = problems(R"({"age": "3", "kind": "cow", "tags": [1], "extra": {"w": "x"}, "nmae": "x",
                                  "owner": {"pets": [{"name": 5}]}})");
  const auto has = [&](const std::string& text) {
    return std::any_of(found.begin(), found.end(), [&](const std::string& p) { return p.find(text) == 0; });
  };
  EXPECT_TRUE(has("/: the required property \"name\" is missing"));
  EXPECT_TRUE(has("/age: expected \"integer\""));
  EXPECT_TRUE(has("/kind: \"cow\" is not one of"));
  EXPECT_TRUE(has("/tags/0: expected \"string\""));
  EXPECT_TRUE(has("/extra/w: expected \"number\""));
  EXPECT_TRUE(has("/nmae: the property \"nmae\" is not in the schema"));
  EXPECT_TRUE(has("/owner/pets/0/name: expected \"string\""));
  EXPECT_EQ(found.size(), 7u);
}

TEST(SwaggerSchema, IntegerFormatsBoundTheValue) {
  EXPECT_FALSE(problems(R"({"name": "a", "age": 3000000000})").empty());
  EXPECT_FALSE(problems(R"({"name": "a", "age": 1.5})").empty());
  EXPECT_TRUE(problems(R"({"name": "a", "age": 2.0})").empty());
}

TEST(SwaggerSchema, AdditionalPropertiesFalseRefusesEveryKey) {
  EXPECT_FALSE(problems(R"({"a": 1})", "Closed").empty());
  EXPECT_TRUE(problems(R"({})", "Closed").empty());
}

TEST(SwaggerSchema, UnknownDefinitionsAndBadDocumentsAreErrors) {
  EXPECT_THROW(problems("{}", "Nope"), std::invalid_argument);
  EXPECT_THROW(SwaggerSchema{json::object()}, std::invalid_argument);
  EXPECT_THROW(SwaggerSchema::load("/no/such/file.json"), std::runtime_error);
}

TEST(SwaggerSchema, TheArgoDocumentLoadsAndChecksACreateRequest) {
  const auto argo = SwaggerSchema::load(WEFT_SOURCE_DIR "/tests/fakes/argo_server/swagger.json");
  const auto ok = json::parse(R"({"namespace": "ns", "workflow": {"apiVersion": "argoproj.io/v1alpha1",
      "kind": "Workflow", "metadata": {"generateName": "job-", "labels": {"a": "b"}},
      "spec": {"entrypoint": "main", "templates": [{"name": "main", "activeDeadlineSeconds": "10",
        "container": {"image": "busybox", "command": ["sh", "-c"], "args": ["echo hi"],
                      "resources": {"limits": {"cpu": "1"}}}}]}}})");
  EXPECT_TRUE(argo.problems(ok, "io.argoproj.workflow.v1alpha1.WorkflowCreateRequest").empty());
  auto bad = ok;
  bad["workflow"]["spec"]["templates"][0]["container"].erase("image");
  bad["workflow"]["spec"]["templates"][0]["activeDeadlineSeconds"] = 10;
  EXPECT_EQ(argo.problems(bad, "io.argoproj.workflow.v1alpha1.WorkflowCreateRequest").size(), 2u);
}

}  // namespace
