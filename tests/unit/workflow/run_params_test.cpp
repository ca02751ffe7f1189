#include "workflow/workflow.hpp"

#include "test_catalog.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Workflow parsed(std::string_view text) {
  TestCatalog catalog;
  auto workflow = parse_workflow(json::parse(text), catalog);
  if (!workflow) throw std::runtime_error(workflow.failure().message);
  return std::move(workflow.value());
}

const char* const with_params = R"({"name": "w", "params": {"date": "2026-01-01", "size": 10},
                                    "nodes": [{"id": "a", "type": "noop"}]})";

TEST(RunParams, DeclaredNamesAreAccepted) {
  EXPECT_THAT(validate_run_params(parsed(with_params), {{"date", "2026-02-02"}}), IsEmpty());
}

TEST(RunParams, UnknownNameIsAProblemAtItsPointer) {
  EXPECT_THAT(validate_run_params(parsed(with_params), {{"dat/e", 1}, {"size", 2}}),
              ElementsAre(Problem{"/params/dat~1e", "workflow 'w' has no parameter 'dat/e'; it declares date, size"}));
}

TEST(RunParams, ParamsMustBeAnObject) {
  EXPECT_THAT(validate_run_params(parsed(with_params), json::array()),
              ElementsAre(Problem{"/params", "must be an object, not array"}));
}

TEST(RunParams, TriggeredWorkflowAcceptsMessage) {
  const auto workflow = parsed(R"({"name": "w", "trigger": {"queue": "q"}, "nodes": [{"id": "a", "type": "noop"}]})");
  EXPECT_THAT(validate_run_params(workflow, {{"message", {{"path", "/x"}}}}), IsEmpty());
}

TEST(RunParams, MessageIsUnknownWithoutATrigger) {
  EXPECT_THAT(validate_run_params(parsed(with_params), {{"message", 1}}),
              ElementsAre(testing::Field(&Problem::path, "/params/message")));
}

TEST(RunParams, EffectiveParamsAreTheDefaultsWithOverridesOverThem) {
  EXPECT_EQ(effective_run_params(parsed(with_params), {{"size", 3}}), json({{"date", "2026-01-01"}, {"size", 3}}));
}

TEST(DocumentDigest, IgnoresKeyOrderAndWhitespace) {
  EXPECT_EQ(document_digest(json::parse(R"({"a": 1, "b": [1, 2]})")),
            document_digest(json::parse("{\"b\":[1,2],\n \"a\":1}")));
}

TEST(DocumentDigest, DiffersForDifferentDocuments) {
  EXPECT_NE(document_digest(json::parse(R"({"a": 1})")), document_digest(json::parse(R"({"a": 2})")));
}

TEST(DocumentDigest, IsLowerCaseHexSha256) {
  EXPECT_EQ(document_digest(json::object()), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

}  // namespace
}  // namespace weft::daemon
