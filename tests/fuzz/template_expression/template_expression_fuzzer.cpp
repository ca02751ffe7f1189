// Fuzzes the template and expression language of docs/workflow-language.md:
// the input is parsed as an expression (a `when`), as a string template and,
// when it is JSON, as a params value whose strings are templates; whatever
// parses is evaluated against a run context with values of every JSON type.
#include "core/json_text.hpp"
#include "fuzz_support.hpp"
#include "workflow/expression.hpp"
#include "workflow/template.hpp"

namespace {

using namespace weft::daemon;
using weft::fuzz::require;

const nlohmann::json& run_context() {
  static const nlohmann::json context = nlohmann::json::parse(R"({
    "params": {"date": "2026-11-29", "count": 3, "ratio": 0.5, "big": 9007199254740993, "negative": -7,
               "flag": true, "none": null, "list": [1, "two", [3], {"four": 4}], "empty": {}, "a b": "spaced",
               "nested": {"deeper": {"deepest": ["x", "y"]}}},
    "run": {"id": "run-1"},
    "workflow": {"name": "fuzz", "version": 2},
    "nodes": {"list": {"output": {"files": ["a.txt", "b.txt"], "count": 2, "ok": false}},
              "process": {"outputs": [{"n": 1}, null, "three"]}}
  })");
  return context;
}

void try_expression(std::string_view text, const Scope& scope) {
  const auto expression = Expression::parse(text);
  if (!expression) {
    require(!expression.failure().message.empty(), "a refused expression says why");
    return;
  }
  (void)expression->evaluate(scope);
  (void)expression->test(scope);
  for (const auto& path : expression->references()) (void)resolve(path, scope);
}

void try_template(std::string_view text, const Scope& scope) {
  const auto parsed = StringTemplate::parse(text);
  if (!parsed) {
    require(!parsed.failure().message.empty(), "a refused template says why");
    return;
  }
  const auto rendered = parsed->render(scope, "/fuzz");
  if (rendered && parsed->is_literal()) require(*rendered == parsed->source(), "a literal renders to itself");
  for (const auto& path : parsed->references()) (void)resolve(path, scope);
}

void try_json_template(std::string_view text, const Scope& scope) {
  auto value = parse_json(text);
  if (!value) return;
  const auto compiled = JsonTemplate::compile(std::move(*value));
  if (!compiled) {
    weft::fuzz::require_explained(compiled.failure());
    return;
  }
  (void)compiled->render(scope);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = weft::fuzz::text_of(data, size);
  const JsonScope run_scope(run_context());
  const nlohmann::json item = {{"name", "b.txt"}, {"size", 12}};
  const TaskScope scope(run_scope, item, 1);
  try_expression(text, scope);
  try_template(text, scope);
  try_json_template(text, scope);
  return 0;
}
