// Expressions of `when` and the condition node: literals, paths, comparisons,
// && || !, parentheses and len(). The language is specified in
// docs/workflow-language.md. An Expression is parsed once and is immutable, so
// copies share the tree and any number of threads may evaluate it at once.
#pragma once

#include "core/result.hpp"
#include "workflow/value_path.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon {

namespace expression_tree {
struct Node;
}

// false, null, 0, "" and empty arrays and objects are false; every other value is true.
bool is_truthy(const nlohmann::json& value);

class Expression {
 public:
  // Failure (invalid_request): "expression 'a <' at column 4: expected a value, found the end".
  static Result<Expression> parse(std::string_view source);

  // The value of the expression. Failure (invalid_request) names the expression
  // and the column: "expression 'x.y < 1' at column 5: cannot compare string with number using '<'".
  Result<nlohmann::json> evaluate(const Scope& scope) const;
  // Whether the value is truthy.
  Result<bool> test(const Scope& scope) const;

  const std::string& source() const { return source_; }
  // Every path the expression reads, in source order.
  const std::vector<ValuePath>& references() const { return references_; }

 private:
  Expression(std::string source, std::shared_ptr<const expression_tree::Node> tree);

  std::string source_;
  std::shared_ptr<const expression_tree::Node> tree_;
  std::vector<ValuePath> references_;
};

}  // namespace weft::daemon
