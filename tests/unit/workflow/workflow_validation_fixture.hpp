// The fixture of the workflow validation tests: parse a document with the
// test catalog, and get it back valid or get its problems.
#pragma once

#include "workflow/workflow.hpp"

#include "test_catalog.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace weft::daemon {

class WorkflowValidation : public ::testing::Test {
 protected:
  Result<Workflow> parse(const nlohmann::json& document) const { return parse_workflow(document, catalog); }
  Result<Workflow> parse_text(std::string_view text) const { return parse(nlohmann::json::parse(text)); }

  Workflow valid(std::string_view text) const {
    auto workflow = parse_text(text);
    if (!workflow) {
      std::string problems;
      for (const auto& problem : workflow.failure().details) problems += problem.path + ": " + problem.message + "\n";
      ADD_FAILURE() << workflow.failure().message << "\n" << problems;
      return Workflow{};
    }
    return std::move(workflow.value());
  }

  std::vector<Problem> problems(std::string_view text) const {
    auto workflow = parse_text(text);
    if (workflow) {
      ADD_FAILURE() << "the document was accepted: " << text;
      return {};
    }
    EXPECT_EQ(workflow.failure().code, ErrorCode::invalid_workflow);
    return workflow.failure().details;
  }

  TestCatalog catalog;
};

}  // namespace weft::daemon
