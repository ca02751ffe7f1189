#include "workflow/template.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const json context = json::parse(R"({
  "params": {"date": "2026-01-01", "size": 10, "flags": {"fast": true}, "a b": "spaced"},
  "nodes": {"list": {"output": {"files": ["x.nc", "y.nc"], "count": 2}}},
  "run": {"id": "r-7"},
  "workflow": {"name": "daily", "version": 3}
})");

json rendered(std::string_view text, const Scope& scope = JsonScope(context)) {
  auto compiled = StringTemplate::parse(text);
  if (!compiled) {
    ADD_FAILURE() << compiled.failure().message;
    return nullptr;
  }
  auto value = compiled->render(scope);
  if (!value) {
    ADD_FAILURE() << value.failure().message;
    return nullptr;
  }
  return value.value();
}

json rendered_params(const json& params, const Scope& scope = JsonScope(context)) {
  auto compiled = JsonTemplate::compile(params);
  if (!compiled) {
    ADD_FAILURE() << compiled.failure().message;
    return nullptr;
  }
  auto value = compiled->render(scope);
  if (!value) {
    ADD_FAILURE() << value.failure().message;
    return nullptr;
  }
  return value.value();
}

std::string render_error(const json& params) {
  auto compiled = JsonTemplate::compile(params);
  if (!compiled) return "did not compile: " + compiled.failure().message;
  auto value = compiled->render(JsonScope(context));
  return value ? "rendered " + value.value().dump() : value.failure().message;
}

// Found by the template fuzzer: naming a key that is not UTF-8 in an error
// message threw from nlohmann's dump() instead of failing the render.
TEST(Template, AKeyThatIsNotUtf8IsNamedInTheErrorWithAReplacementCharacter) {
  json scope_value = context;
  scope_value["params"]
             ["a\xff"
              "b"] = {{"y", 1}};
  auto compiled = StringTemplate::parse(
      "{{ params[\"a\xff"
      "b\"].x }}");
  ASSERT_TRUE(compiled) << compiled.failure().message;
  const auto value = compiled->render(JsonScope(scope_value));
  ASSERT_FALSE(value);
  EXPECT_THAT(value.failure().message, HasSubstr("no 'x' in params[\"a\xef\xbf\xbd"
                                                 "b\"]"));
}

TEST(Template, SinglePlaceholderKeepsTheValuesJsonType) {
  EXPECT_EQ(rendered("{{ params.size }}"), 10);
  EXPECT_EQ(rendered("{{params.flags}}"), json({{"fast", true}}));
  EXPECT_EQ(rendered("{{ nodes.list.output.files }}"), json({"x.nc", "y.nc"}));
}

TEST(Template, TextAroundAPlaceholderMakesAString) {
  EXPECT_EQ(rendered("date={{ params.date }}"), "date=2026-01-01");
  EXPECT_EQ(rendered(" {{ params.size }}"), " 10");
}

TEST(Template, ValuesOtherThanStringsRenderAsCompactJson) {
  EXPECT_EQ(rendered("files: {{ nodes.list.output.files }}, flags: {{ params.flags }}"),
            R"(files: ["x.nc","y.nc"], flags: {"fast":true})");
}

TEST(Template, SeveralPlaceholdersRenderInOrder) {
  EXPECT_EQ(rendered("{{ workflow.name }}/{{ workflow.version }}/{{ run.id }}"), "daily/3/r-7");
}

TEST(Template, StringWithoutPlaceholdersIsLiteral) {
  auto compiled = StringTemplate::parse("plain } text {");
  ASSERT_TRUE(compiled.ok());
  EXPECT_TRUE(compiled->is_literal());
  EXPECT_EQ(rendered("plain } text {"), "plain } text {");
}

TEST(Template, PathsIndexArraysByNumberOrBracket) {
  EXPECT_EQ(rendered("{{ nodes.list.output.files.1 }}"), "y.nc");
  EXPECT_EQ(rendered("{{ nodes.list.output.files[0] }}"), "x.nc");
}

TEST(Template, QuotedBracketsReadKeysThatAreNotNames) { EXPECT_EQ(rendered("{{ params['a b'] }}"), "spaced"); }

TEST(Template, PlaceholderMayBeAnExpression) {
  EXPECT_EQ(rendered("{{ len(nodes.list.output.files) }} files"), "2 files");
  EXPECT_EQ(rendered("{{ params.size > 5 }}"), true);
}

TEST(Template, QuotedBracesRenderLiterally) { EXPECT_EQ(rendered("{{ '{{' }} x }}"), "{{ x }}"); }

TEST(Template, RenderingWalksTheWholeJsonValue) {
  const auto params = json::parse(R"({
    "argv": ["process", "--date", "{{ params.date }}", "{{ nodes.list.output.files }}"],
    "env": {"SIZE": "{{ params.size }}", "LABEL": "run {{ run.id }}"},
    "fixed": 5
  })");
  EXPECT_EQ(rendered_params(params), json::parse(R"({
    "argv": ["process", "--date", "2026-01-01", ["x.nc", "y.nc"]],
    "env": {"SIZE": 10, "LABEL": "run r-7"},
    "fixed": 5
  })"));
}

TEST(Template, ObjectKeysAreNotTemplates) {
  EXPECT_EQ(rendered_params({{"{{ params.date }}", 1}}), json({{"{{ params.date }}", 1}}));
}

TEST(Template, MissingPathFailsNamingThePlaceholderLocationAndStep) {
  const auto params = json::parse(R"({"argv": ["a", "b", "{{ nodes.list.output.filez }}"]})");
  EXPECT_EQ(render_error(params),
            "template '{{ nodes.list.output.filez }}' at /argv/2: no 'filez' in nodes.list.output");
}

TEST(Template, IndexPastTheEndFails) {
  EXPECT_THAT(render_error({{"x", "{{ nodes.list.output.files[2] }}"}}),
              HasSubstr("at /x: no [2] in nodes.list.output.files (2 elements)"));
}

TEST(Template, SteppingIntoAScalarFails) {
  EXPECT_THAT(render_error({{"x", "{{ params.size.value }}"}}),
              HasSubstr("params.size is number, not an object or array, so it has no 'value'"));
}

TEST(Template, UnclosedPlaceholderIsAParseError) {
  auto compiled = StringTemplate::parse("abc {{ params.date");
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.failure().message, "template 'abc {{ params.date' at column 5: '{{' is not closed by '}}'");
}

TEST(Template, EmptyPlaceholderIsAParseError) {
  auto compiled = StringTemplate::parse("{{ }}");
  ASSERT_FALSE(compiled.ok());
  EXPECT_THAT(compiled.failure().message, HasSubstr("at column 4: expected a value, found '}'"));
}

TEST(Template, CompileReportsEveryBadStringAtItsPointer) {
  auto compiled = JsonTemplate::compile(json::parse(R"({"a": ["ok", "{{ bad }}"], "b/c": {"d": "{{ 1 < }}"}})"));
  ASSERT_FALSE(compiled.ok());
  const auto& problems = compiled.failure().details;
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].path, "/a/1");
  EXPECT_EQ(problems[1].path, "/b~1c/d");
}

TEST(Template, SlotsListOnlyStringsWithPlaceholders) {
  auto compiled = JsonTemplate::compile(json::parse(R"({"argv": ["ls", "{{ params.date }}"], "n": 1})"));
  ASSERT_TRUE(compiled.ok());
  ASSERT_EQ(compiled->slots().size(), 1u);
  EXPECT_EQ(compiled->slots()[0].pointer, "/argv/1");
}

TEST(Template, ReferencesListEveryPlaceholderPath) {
  auto compiled = StringTemplate::parse("{{ item.name }}-{{ index }}-{{ params['a b'] }}");
  ASSERT_TRUE(compiled.ok());
  std::vector<std::string> texts;
  for (const auto& path : compiled->references()) texts.push_back(path.text());
  EXPECT_THAT(texts, ElementsAre("item.name", "index", "params[\"a b\"]"));
}

TEST(Template, OneCompiledTemplateRendersEachForEachElement) {
  auto compiled = JsonTemplate::compile(json::parse(R"({"argv": ["process", "{{ item }}", "{{ index }}"]})"));
  ASSERT_TRUE(compiled.ok());
  const JsonScope run_scope(context);
  const auto& files = context["nodes"]["list"]["output"]["files"];
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto value = compiled->render(TaskScope(run_scope, files[i], i));
    ASSERT_TRUE(value.ok()) << value.failure().message;
    EXPECT_EQ(value.value(), json({{"argv", {"process", files[i], i}}}));
  }
}

// A scope the way the scheduler keeps its state: outputs by node id, no JSON context.
class OutputTable : public Scope {
 public:
  const json* root(std::string_view name) const override { return name == "params" ? &params : nullptr; }
  const json* node_output(std::string_view id) const override {
    const auto found = outputs.find(std::string(id));
    return found == outputs.end() ? nullptr : &found->second;
  }
  const json* node_outputs(std::string_view) const override { return nullptr; }
  const json* node_status(std::string_view) const override { return nullptr; }

  json params = json::object();
  std::map<std::string, json> outputs;
};

TEST(Template, AnyScopeImplementationCanAnswerPaths) {
  OutputTable table;
  table.outputs["fetch"] = {{"path", "/data/in.nc"}};
  EXPECT_EQ(rendered("in={{ nodes.fetch.output.path }}", table), "in=/data/in.nc");
}

TEST(Template, RootTheScopeDoesNotSetFails) {
  OutputTable table;
  auto compiled = StringTemplate::parse("{{ item }}");
  ASSERT_TRUE(compiled.ok());
  auto value = compiled->render(table, "/argv/0");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.failure().message, "template '{{ item }}' at /argv/0: item is not set");
}

}  // namespace
}  // namespace weft::daemon
