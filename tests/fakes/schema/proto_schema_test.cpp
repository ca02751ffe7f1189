// .proto files turned into definitions: the JSON mapping's names, kinds and
// well-known types, checked through SwaggerSchema.
#include "proto_schema.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "swagger_schema.hpp"

namespace {

using nlohmann::json;

class ProtoSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = std::filesystem::temp_directory_path() / ("weft-proto-schema-" + std::to_string(::getpid()) + ".proto");
    std::ofstream(file_) << R"(
      syntax = "proto3";
      package demo.v1;
      import "google/protobuf/duration.proto";
      // A comment with message Fake { in it.
      service Demo { rpc Get(Thing) returns (Thing) { option (google.api.http) = { get: "/v1/{name=things/*}" }; } }
      message Thing {
        string name = 1 [(google.api.field_behavior) = REQUIRED];
        repeated Part parts = 2;
        map<string, string> labels = 3;
        google.protobuf.Duration timeout = 4;
        int64 size = 5;
        Kind kind = 6 [(google.api.field_behavior) = OPTIONAL, (google.api.resource_reference) = { type: "x" }];
        oneof choice { bool flag = 7; string word = 8; }
        External other = 9;
        enum Kind { KIND_UNSPECIFIED = 0; BIG = 1; }
        message Part { int32 task_count = 1; }
      }
    )";
    schema_ = std::make_unique<weft::fakes::SwaggerSchema>(weft::fakes::proto_definitions({file_}));
  }
  void TearDown() override { std::filesystem::remove(file_); }
  std::vector<std::string> problems(const json& value) const { return schema_->problems(value, "demo.v1.Thing"); }

  std::filesystem::path file_;
  std::unique_ptr<weft::fakes::SwaggerSchema> schema_;
};

TEST_F(ProtoSchema, AValueWrittenByTheJsonMappingConforms) {
  const json thing = {{"name", "things/a"}, {"parts", {{{"taskCount", 2}}}}, {"labels", {{"k", "v"}}},
                      {"timeout", "1.5s"},  {"size", "123456789012"},        {"kind", "BIG"},
                      {"word", "w"},        {"other", {{"anything", true}}}};
  EXPECT_EQ(problems(thing), std::vector<std::string>{});
}

TEST_F(ProtoSchema, WhatTheMappingDoesNotWriteIsRefused) {
  EXPECT_FALSE(problems({{"parts", json::array()}}).empty()) << "name is required";
  EXPECT_FALSE(problems({{"name", "x"}, {"parts", {{{"task_count", 2}}}}}).empty()) << "the JSON name is taskCount";
  EXPECT_FALSE(problems({{"name", "x"}, {"timeout", 12}}).empty()) << "a Duration is a string";
  EXPECT_FALSE(problems({{"name", "x"}, {"timeout", "12"}}).empty()) << "a Duration ends in s";
  EXPECT_FALSE(problems({{"name", "x"}, {"kind", "SMALL"}}).empty());
  EXPECT_FALSE(problems({{"name", "x"}, {"labels", {{"k", 1}}}}).empty());
  EXPECT_FALSE(problems({{"name", "x"}, {"size", "12x"}}).empty());
  EXPECT_FALSE(problems({{"name", "x"}, {"nmae", "y"}}).empty());
}

TEST(ProtoSchemaFiles, AFileThatCannotBeReadIsNamed) {
  try {
    weft::fakes::proto_definitions({"/no/such.proto"});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such.proto"), std::string::npos);
  }
}

}  // namespace
