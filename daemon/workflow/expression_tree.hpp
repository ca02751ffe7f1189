// Private to weft_workflow: the syntax tree that Expression and StringTemplate
// share, its parser and its evaluator. Everything here reports errors by
// throwing ExpressionError; the public types turn them into Failures.
#pragma once

#include "workflow/value_path.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon::expression_tree {

// Deepest nesting of parentheses, '!' and len() that the parser accepts; it
// bounds the recursion of parsing, evaluating and destroying a tree.
inline constexpr int max_nesting = 64;

struct ExpressionError {
  std::size_t position = 0;  // 0-based offset into the parsed text
  std::string reason;
};

enum class Kind { literal, path, negation, length, all_of, any_of, comparison };
enum class Comparison { equal, not_equal, less, less_equal, greater, greater_equal };

struct Node {
  Kind kind = Kind::literal;
  std::size_t position = 0;
  nlohmann::json literal;                     // literal
  ValuePath path;                             // path
  Comparison comparison = Comparison::equal;  // comparison
  std::vector<std::unique_ptr<const Node>> operands;
};

// Parses the longest expression of `text` that starts at `position`, and
// leaves `position` just after it (after any spaces).
std::unique_ptr<const Node> parse(std::string_view text, std::size_t& position);

// A value that an evaluation either borrowed from a Scope or a literal, or computed.
class Evaluated {
 public:
  static Evaluated borrowed(const nlohmann::json& value);
  static Evaluated owned(nlohmann::json value);
  const nlohmann::json& get() const { return borrowed_ != nullptr ? *borrowed_ : owned_; }
  nlohmann::json take() && {
    if (borrowed_ != nullptr) return *borrowed_;
    return std::move(owned_);
  }

 private:
  const nlohmann::json* borrowed_ = nullptr;
  nlohmann::json owned_;
};

Evaluated evaluate(const Node& node, const Scope& scope);

// Every path the tree reads, in source order.
void collect_paths(const Node& node, std::vector<ValuePath>& paths);

}  // namespace weft::daemon::expression_tree
