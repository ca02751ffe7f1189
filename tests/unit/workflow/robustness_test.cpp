// Hostile input: arbitrary bytes, deep nesting and large documents give
// errors (or results), never crashes or unbounded recursion.
#include "workflow/expression.hpp"
#include "workflow/template.hpp"
#include "workflow/workflow.hpp"

#include "test_catalog.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const json context = json::parse(R"({"params": {"a": [1, "x", {"b": null}]}, "item": "i", "index": 0,
                                     "nodes": {"n": {"output": {"k": [true]}}}})");

// Strings mostly made of the language's own characters, so that the parser gets far into them.
std::string random_text(std::mt19937& random, std::size_t longest) {
  static const std::string alphabet =
      "{{}}()[]'\"\\.!=<>&|, 0123456789-eE params nodes n output k item index len true null";
  std::uniform_int_distribution<std::size_t> length(0, longest);
  std::uniform_int_distribution<int> any_byte(0, 255);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string text(length(random), ' ');
  for (auto& c : text) c = random() % 8 == 0 ? static_cast<char>(any_byte(random)) : alphabet[pick(random)];
  return text;
}

TEST(Robustness, ArbitraryTextNeverCrashesExpressions) {
  std::mt19937 random(7);
  const JsonScope scope(context);
  for (int i = 0; i < 20000; ++i) {
    const auto text = random_text(random, 40);
    if (auto expression = Expression::parse(text)) {
      (void)expression->evaluate(scope);
    } else {
      EXPECT_THAT(expression.failure().message, HasSubstr("expression '"));
    }
  }
}

TEST(Robustness, ArbitraryTextNeverCrashesTemplates) {
  std::mt19937 random(11);
  const JsonScope scope(context);
  for (int i = 0; i < 20000; ++i) {
    if (auto compiled = StringTemplate::parse(random_text(random, 40))) (void)compiled->render(scope, "/x");
  }
}

TEST(Robustness, MutatedDocumentsNeverCrashTheValidator) {
  TestCatalog catalog;
  catalog.other_types = {"partition", "condition", "http"};
  const auto original = read_json_file(WEFT_SOURCE_DIR "/tests/unit/workflow/data/daily-ingest.json").dump();
  std::mt19937 random(3);
  std::uniform_int_distribution<std::size_t> position(0, original.size() - 1);
  for (int i = 0; i < 1000; ++i) {
    auto text = original;
    for (int edits = 0; edits < 3; ++edits) text[position(random)] = random_text(random, 1).append(" ")[0];
    auto workflow = parse_workflow_text(text, catalog);
    if (!workflow) {
      EXPECT_FALSE(workflow.failure().details.empty());
    }
  }
}

TEST(Robustness, DeeplyNestedDocumentIsRejectedWithoutRecursion) {
  constexpr int depth = 200000;
  const auto text = R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "params": {"x": )" +
                    std::string(depth, '[') + std::string(depth, ']') + "}}]}";
  auto workflow = parse_workflow_text(text, TestCatalog());
  ASSERT_FALSE(workflow.ok());
  EXPECT_THAT(workflow.failure().details, ElementsAre(Problem{"", "nested deeper than 64 levels"}));
}

TEST(Robustness, DeeplyNestedValueIsRejectedByTemplateCompilation) {
  json value = "{{ item }}";
  for (int i = 0; i < 1000; ++i) {
    json wrapper = json::array();
    wrapper.push_back(std::move(value));
    value = std::move(wrapper);
  }
  auto compiled = JsonTemplate::compile(std::move(value));
  ASSERT_FALSE(compiled.ok());
  ASSERT_EQ(compiled.failure().details.size(), 1u);
  EXPECT_EQ(compiled.failure().details[0].message, "nested deeper than 100 levels");
}

TEST(Robustness, LongChainOfNodesValidates) {
  json nodes = json::array({{{"id", "n0"}, {"type", "noop"}}});
  for (std::size_t i = 1; i < DocumentLimits{}.max_nodes; ++i) {
    const auto previous = "n" + std::to_string(i - 1);
    nodes.push_back({{"id", "n" + std::to_string(i)},
                     {"type", "command"},
                     {"depends_on", {previous}},
                     {"params", {{"argv", {"echo", "{{ nodes." + previous + ".output }}", "{{ nodes.n0.output }}"}}}}});
  }
  auto workflow = parse_workflow(json{{"name", "chain"}, {"nodes", std::move(nodes)}}, TestCatalog());
  ASSERT_TRUE(workflow.ok()) << workflow.failure().message;
  EXPECT_EQ(workflow->nodes.back().dependencies.size(), 1u);
}

TEST(Robustness, TooManyNodesIsOneProblem) {
  json nodes = json::array();
  const std::size_t most = DocumentLimits{}.max_nodes;
  for (std::size_t i = 0; i <= most; ++i) nodes.push_back({{"id", "n" + std::to_string(i)}, {"type", "noop"}});
  auto workflow = parse_workflow(json{{"name", "big"}, {"nodes", std::move(nodes)}}, TestCatalog());
  ASSERT_FALSE(workflow.ok());
  EXPECT_THAT(workflow.failure().details,
              ElementsAre(Problem{"/nodes", "has " + std::to_string(most + 1) +
                                                " nodes; limits.max_workflow_nodes allows " + std::to_string(most)}));
}

TEST(Robustness, ConfiguredNodeCountAndDepthAreEnforced) {
  TestCatalog catalog;
  catalog.other_types = {"deep"};
  const json three_nodes = {{"name", "w"},
                            {"nodes",
                             {{{"id", "a"}, {"type", "noop"}},
                              {{"id", "b"}, {"type", "noop"}},
                              {{"id", "c"}, {"type", "deep"}, {"params", {{"output", {{"y", 1}}}}}}}}};
  EXPECT_TRUE(parse_workflow(three_nodes, catalog, DocumentLimits{3, 64}).ok());
  EXPECT_TRUE(parse_workflow(three_nodes, catalog, DocumentLimits{3, 5}).ok());  // /nodes/2/params/output/y: 5

  auto too_many = parse_workflow(three_nodes, catalog, DocumentLimits{2, 64});
  ASSERT_FALSE(too_many.ok());
  EXPECT_THAT(too_many.failure().details,
              ElementsAre(Problem{"/nodes", "has 3 nodes; limits.max_workflow_nodes allows 2"}));

  auto too_deep = parse_workflow(three_nodes, catalog, DocumentLimits{3, 4});
  ASSERT_FALSE(too_deep.ok());
  EXPECT_THAT(too_deep.failure().details,
              ElementsAre(Problem{"", "nested deeper than 4 levels; limits.max_document_depth allows 4"}));
}

TEST(Robustness, StoredDocumentsAreReadWithoutTheConfiguredNodeLimit) {
  const auto text = R"({"name": "w", "nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop"}]})";
  EXPECT_TRUE(parse_workflow_text(text, TestCatalog()).ok());
  EXPECT_FALSE(parse_workflow_text(text, TestCatalog(), DocumentLimits{1, 64}).ok());
}

TEST(Robustness, HugeValuesAreShownShortInMessages) {
  const json document = {
      {"name", "w"}, {"max_parallel", std::string(1 << 20, 'x')}, {"nodes", {{{"id", "a"}, {"type", "noop"}}}}};
  auto workflow = parse_workflow(document, TestCatalog());
  ASSERT_FALSE(workflow.ok());
  ASSERT_EQ(workflow.failure().details.size(), 1u);
  EXPECT_LT(workflow.failure().details[0].message.size(), 100u);
}

TEST(Robustness, TemplateWithManyPlaceholdersRenders) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "{{ index }},";
  auto compiled = StringTemplate::parse(text);
  ASSERT_TRUE(compiled.ok());
  auto value = compiled->render(JsonScope(context));
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value.value().get<std::string>().size(), 20000u);
}

}  // namespace
}  // namespace weft::daemon
