// The expression language's lexer, parser and evaluator (docs/workflow-language.md).
// Over 400 lines: one grammar, kept in one place so that it reads in order.
#include "workflow/expression.hpp"

#include "workflow/expression_tree.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

namespace weft::daemon {
namespace expression_tree {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_step_char(char c) { return is_name_char(c) || c == '-'; }

// Recursive descent over the characters of `text`; paths are read character
// by character because "files.0.1" is a path, not the number 0.1.
class Parser {
 public:
  Parser(std::string_view text, std::size_t position) : text_(text), pos_(position) {}

  std::unique_ptr<const Node> parse_any_of() {
    auto first = parse_all_of();
    return parse_chain(std::move(first), "||", Kind::any_of, &Parser::parse_all_of);
  }

  std::size_t position() {
    skip_spaces();
    return pos_;
  }

 private:
  using Operand = std::unique_ptr<const Node> (Parser::*)();

  std::unique_ptr<const Node> parse_all_of() {
    auto first = parse_comparison();
    return parse_chain(std::move(first), "&&", Kind::all_of, &Parser::parse_comparison);
  }

  std::unique_ptr<const Node> parse_chain(std::unique_ptr<const Node> first, std::string_view op, Kind kind,
                                          Operand parse_operand) {
    skip_spaces();
    if (!text_.substr(pos_).starts_with(op)) return first;
    auto chain = make_node(kind, first->position);
    chain->operands.push_back(std::move(first));
    while (match(op)) chain->operands.push_back((this->*parse_operand)());
    return chain;
  }

  std::unique_ptr<const Node> parse_comparison() {
    auto left = parse_unary();
    skip_spaces();
    const auto op_position = pos_;
    const auto comparison = match_comparison();
    if (!comparison) return left;
    auto node = make_node(Kind::comparison, op_position);
    node->comparison = *comparison;
    node->operands.push_back(std::move(left));
    node->operands.push_back(parse_unary());
    skip_spaces();
    const auto chained_at = pos_;
    if (match_comparison()) throw ExpressionError{chained_at, "comparisons do not chain; use parentheses"};
    return node;
  }

  std::unique_ptr<const Node> parse_unary() {
    skip_spaces();
    if (peek() == '!' && peek(1) != '=') {
      auto node = make_node(Kind::negation, pos_++);
      const NestingGuard guard(*this, node->position);
      node->operands.push_back(parse_unary());
      return node;
    }
    return parse_primary();
  }

  std::unique_ptr<const Node> parse_primary() {
    skip_spaces();
    const char c = peek();
    if (c == '(') return parse_parenthesized();
    if (c == '"' || c == '\'') {
      const auto start = pos_;
      return literal(start, parse_string());
    }
    if (is_digit(c) || c == '-') return parse_number();
    if (is_name_start(c)) return parse_name();
    if (pos_ >= text_.size()) throw ExpressionError{pos_, "expected a value, found the end"};
    throw ExpressionError{pos_, std::string("expected a value, found '") + c + "'"};
  }

  std::unique_ptr<const Node> parse_parenthesized() {
    const NestingGuard guard(*this, pos_);
    ++pos_;
    auto inner = parse_any_of();
    expect(')');
    return inner;
  }

  std::unique_ptr<const Node> parse_name() {
    const auto start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    const auto word = text_.substr(start, pos_ - start);
    if (word == "true") return literal(start, true);
    if (word == "false") return literal(start, false);
    if (word == "null") return literal(start, nullptr);
    if (word == "len") return parse_length(start);
    if (!is_path_root(word)) {
      throw ExpressionError{start, "unknown name '" + std::string(word) +
                                       "'; paths start with params, nodes, item, index, run or workflow"};
    }
    auto node = make_node(Kind::path, start);
    node->path.steps.push_back(PathStep{std::string(word), false});
    while (peek() == '.' || peek() == '[')
      node->path.steps.push_back(peek() == '.' ? parse_dot_step() : parse_bracket_step());
    return node;
  }

  std::unique_ptr<const Node> parse_length(std::size_t start) {
    skip_spaces();
    if (peek() != '(') throw ExpressionError{pos_, "expected '(' after len"};
    const NestingGuard guard(*this, start);
    ++pos_;
    auto node = make_node(Kind::length, start);
    node->operands.push_back(parse_any_of());
    expect(')');
    return node;
  }

  PathStep parse_dot_step() {
    const auto start = ++pos_;
    while (pos_ < text_.size() && is_step_char(text_[pos_])) ++pos_;
    const auto name = text_.substr(start, pos_ - start);
    if (name.empty()) throw ExpressionError{start, "expected a name after '.'"};
    return PathStep{std::string(name), std::all_of(name.begin(), name.end(), is_digit)};
  }

  PathStep parse_bracket_step() {
    ++pos_;
    skip_spaces();
    PathStep step;
    if (peek() == '"' || peek() == '\'') {
      step.name = parse_string();
    } else if (is_digit(peek())) {
      const auto start = pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
      step = PathStep{std::string(text_.substr(start, pos_ - start)), true};
    } else {
      throw ExpressionError{pos_, "expected an index or a quoted key after '['"};
    }
    expect(']');
    return step;
  }

  std::string parse_string() {
    const char quote = text_[pos_];
    const auto start = pos_++;
    std::string value;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\\') c = unescape(pos_ < text_.size() ? text_[pos_++] : '\0');
      value += c;
    }
    if (pos_ >= text_.size()) throw ExpressionError{start, "string is not closed"};
    ++pos_;
    return value;
  }

  char unescape(char c) const {
    switch (c) {
      case 'n': return '\n';
      case 't': return '\t';
      case '\\':
      case '\'':
      case '"': return c;
      default: throw ExpressionError{pos_ - 1, "unknown escape in string; use \\\\ \\' \\\" \\n or \\t"};
    }
  }

  std::unique_ptr<const Node> parse_number() {
    const auto start = pos_;
    if (peek() == '-') ++pos_;
    const bool integral = skip_digits() && !skip_fraction_and_exponent();
    const auto* first = text_.data() + start;
    const auto* last = text_.data() + pos_;
    if (integral) {
      std::int64_t value = 0;
      if (std::from_chars(first, last, value).ec == std::errc()) return literal(start, value);
    }
    double value = 0;
    const auto parsed = std::from_chars(first, last, value);
    if (parsed.ec != std::errc() || parsed.ptr != last) throw ExpressionError{start, "not a valid number"};
    return literal(start, value);
  }

  bool skip_digits() {
    const auto start = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (pos_ == start) throw ExpressionError{pos_, "expected a digit"};
    return true;
  }

  // Whether there was a fraction or an exponent.
  bool skip_fraction_and_exponent() {
    bool found = false;
    if (peek() == '.' && is_digit(peek(1))) {
      ++pos_;
      found = skip_digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      found = skip_digits();
    }
    return found;
  }

  std::optional<Comparison> match_comparison() {
    constexpr std::pair<std::string_view, Comparison> operators[] = {
        {"==", Comparison::equal},         {"!=", Comparison::not_equal}, {"<=", Comparison::less_equal},
        {">=", Comparison::greater_equal}, {"<", Comparison::less},       {">", Comparison::greater}};
    for (const auto& [text, comparison] : operators) {
      if (match(text)) return comparison;
    }
    return std::nullopt;
  }

  // Counts nesting so that hostile input cannot exhaust the stack.
  class NestingGuard {
   public:
    NestingGuard(Parser& parser, std::size_t position) : parser_(parser) {
      if (++parser_.nesting_ > max_nesting) {
        throw ExpressionError{position, "nested more than " + std::to_string(max_nesting) + " levels deep"};
      }
    }
    ~NestingGuard() { --parser_.nesting_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;

   private:
    Parser& parser_;
  };

  static std::unique_ptr<Node> make_node(Kind kind, std::size_t position) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->position = position;
    return node;
  }

  static std::unique_ptr<const Node> literal(std::size_t position, nlohmann::json value) {
    auto node = make_node(Kind::literal, position);
    node->literal = std::move(value);
    return node;
  }

  bool match(std::string_view token) {
    skip_spaces();
    if (!text_.substr(pos_).starts_with(token)) return false;
    pos_ += token.size();
    return true;
  }

  void expect(char c) {
    skip_spaces();
    if (peek() != c) {
      const auto found = pos_ < text_.size() ? "'" + std::string(1, text_[pos_]) + "'" : std::string("the end");
      throw ExpressionError{pos_, std::string("expected '") + c + "', found " + found};
    }
    ++pos_;
  }

  char peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  void skip_spaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  std::string_view text_;
  std::size_t pos_;
  int nesting_ = 0;
};

std::size_t utf8_length(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

const char* comparison_text(Comparison comparison) {
  switch (comparison) {
    case Comparison::equal: return "==";
    case Comparison::not_equal: return "!=";
    case Comparison::less: return "<";
    case Comparison::less_equal: return "<=";
    case Comparison::greater: return ">";
    case Comparison::greater_equal: return ">=";
  }
  return "?";
}

bool compare(const Node& node, const nlohmann::json& left, const nlohmann::json& right) {
  if (node.comparison == Comparison::equal) return left == right;
  if (node.comparison == Comparison::not_equal) return left != right;
  const bool comparable = (left.is_number() && right.is_number()) || (left.is_string() && right.is_string());
  if (!comparable) {
    throw ExpressionError{node.position, std::string("cannot compare ") + left.type_name() + " with " +
                                             right.type_name() + " using '" + comparison_text(node.comparison) + "'"};
  }
  switch (node.comparison) {
    case Comparison::less: return left < right;
    case Comparison::less_equal: return left <= right;
    case Comparison::greater: return left > right;
    default: return left >= right;
  }
}

Evaluated length_of(const Node& node, const nlohmann::json& value) {
  if (value.is_string()) return Evaluated::owned(utf8_length(value.get_ref<const std::string&>()));
  if (value.is_array() || value.is_object()) return Evaluated::owned(value.size());
  throw ExpressionError{node.position, std::string("len() takes an array, object or string, not ") + value.type_name()};
}

Evaluated resolve_path(const Node& node, const Scope& scope) {
  const auto value = resolve(node.path, scope);
  if (!value) throw ExpressionError{node.position, value.failure().message};
  return Evaluated::borrowed(*value.value());
}

// && and || stop at the first operand that decides the result.
Evaluated evaluate_chain(const Node& node, const Scope& scope) {
  const bool deciding = node.kind == Kind::any_of;
  for (const auto& operand : node.operands) {
    if (is_truthy(evaluate(*operand, scope).get()) == deciding) return Evaluated::owned(deciding);
  }
  return Evaluated::owned(!deciding);
}

}  // namespace

Evaluated Evaluated::borrowed(const nlohmann::json& value) {
  Evaluated evaluated;
  evaluated.borrowed_ = &value;
  return evaluated;
}

Evaluated Evaluated::owned(nlohmann::json value) {
  Evaluated evaluated;
  evaluated.owned_ = std::move(value);
  return evaluated;
}

std::unique_ptr<const Node> parse(std::string_view text, std::size_t& position) {
  Parser parser(text, position);
  auto tree = parser.parse_any_of();
  position = parser.position();
  return tree;
}

Evaluated evaluate(const Node& node, const Scope& scope) {
  switch (node.kind) {
    case Kind::literal: return Evaluated::borrowed(node.literal);
    case Kind::path: return resolve_path(node, scope);
    case Kind::negation: return Evaluated::owned(!is_truthy(evaluate(*node.operands[0], scope).get()));
    case Kind::length: return length_of(node, evaluate(*node.operands[0], scope).get());
    case Kind::all_of:
    case Kind::any_of: return evaluate_chain(node, scope);
    case Kind::comparison:
      return Evaluated::owned(
          compare(node, evaluate(*node.operands[0], scope).get(), evaluate(*node.operands[1], scope).get()));
  }
  throw ExpressionError{node.position, "unknown expression node"};
}

void collect_paths(const Node& node, std::vector<ValuePath>& paths) {
  if (node.kind == Kind::path) paths.push_back(node.path);
  for (const auto& operand : node.operands) collect_paths(*operand, paths);
}

}  // namespace expression_tree

namespace {

Failure expression_failure(std::string_view source, const expression_tree::ExpressionError& error) {
  return fail(ErrorCode::invalid_request, "expression '" + std::string(source) + "' at column " +
                                              std::to_string(error.position + 1) + ": " + error.reason);
}

}  // namespace

bool is_truthy(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return false;
    case nlohmann::json::value_t::boolean: return value.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return value != 0;
    case nlohmann::json::value_t::string: return !value.get_ref<const std::string&>().empty();
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object: return !value.empty();
    default: return true;
  }
}

Expression::Expression(std::string source, std::shared_ptr<const expression_tree::Node> tree)
    : source_(std::move(source)), tree_(std::move(tree)) {
  expression_tree::collect_paths(*tree_, references_);
}

Result<Expression> Expression::parse(std::string_view source) {
  try {
    std::size_t position = 0;
    auto tree = expression_tree::parse(source, position);
    if (position < source.size()) {
      throw expression_tree::ExpressionError{position, "unexpected '" + std::string(1, source[position]) + "'"};
    }
    return Expression(std::string(source), std::move(tree));
  } catch (const expression_tree::ExpressionError& error) {
    return expression_failure(source, error);
  }
}

Result<nlohmann::json> Expression::evaluate(const Scope& scope) const {
  try {
    return expression_tree::evaluate(*tree_, scope).take();
  } catch (const expression_tree::ExpressionError& error) {
    return expression_failure(source_, error);
  }
}

Result<bool> Expression::test(const Scope& scope) const {
  try {
    return is_truthy(expression_tree::evaluate(*tree_, scope).get());
  } catch (const expression_tree::ExpressionError& error) {
    return expression_failure(source_, error);
  }
}

}  // namespace weft::daemon
