#include "workflow/template.hpp"

#include "workflow/expression_tree.hpp"
#include "workflow/json_pointer_text.hpp"

#include <algorithm>
#include <cctype>

namespace weft::daemon {
namespace {

using expression_tree::ExpressionError;

constexpr std::string_view open_mark = "{{";
constexpr std::string_view close_mark = "}}";

std::string text_of(const nlohmann::json& value) {
  if (value.is_string()) return value.get_ref<const std::string&>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void skip_spaces(std::string_view text, std::size_t& position) {
  while (position < text.size() && text[position] == ' ') ++position;
}

// An optional "| shell_quote" after the expression, the one filter there is;
// `position` is after the expression and its spaces. Whether it was there.
bool parse_filter(std::string_view text, std::size_t& position) {
  if (position >= text.size() || text[position] != '|') return false;
  ++position;
  skip_spaces(text, position);
  const std::size_t start = position;
  while (position < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[position])) != 0 || text[position] == '_')) {
    ++position;
  }
  const auto name = text.substr(start, position - start);
  if (name.empty()) throw ExpressionError{start, "expected a filter name after '|'"};
  if (name != "shell_quote") {
    throw ExpressionError{start, "unknown filter '" + std::string(name) + "'; the only filter is shell_quote"};
  }
  skip_spaces(text, position);
  return true;
}

void expect_close(std::string_view text, std::size_t position, std::size_t open) {
  if (text.substr(position).starts_with(close_mark)) return;
  if (position >= text.size()) {
    throw ExpressionError{open, "'{{' is not closed by '}}'"};
  }
  throw ExpressionError{position, "expected '}}', found '" + std::string(1, text[position]) + "'"};
}

void compile_value(const nlohmann::json& value, const std::string& pointer, int depth,
                   std::vector<JsonTemplate::Slot>& slots, std::vector<Problem>& problems) {
  if (depth > JsonTemplate::max_depth) {
    problems.push_back({pointer, "nested deeper than " + std::to_string(JsonTemplate::max_depth) + " levels"});
    return;
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.find(open_mark) == std::string::npos) return;
    auto parsed = StringTemplate::parse(text);
    if (!parsed) {
      problems.push_back({pointer, parsed.failure().message});
    } else if (!parsed->is_literal()) {
      slots.push_back({pointer, std::move(parsed.value())});
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i)
      compile_value(value[i], child_pointer(pointer, i), depth + 1, slots, problems);
  } else if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      compile_value(member, child_pointer(pointer, key), depth + 1, slots, problems);
    }
  }
}

}  // namespace

std::string shell_quote(const nlohmann::json& value) {
  const std::string text = text_of(value);
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";  // end the quoted part, an escaped quote, start a new one
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

Result<StringTemplate> StringTemplate::parse(std::string_view text) {
  std::vector<Piece> pieces;
  std::size_t position = 0;
  try {
    while (position < text.size()) {
      const auto open = text.find(open_mark, position);
      if (open != position) {
        pieces.emplace_back(std::string(text.substr(position, open - position)));
        if (open == std::string_view::npos) break;
      }
      position = open + open_mark.size();
      std::shared_ptr<const expression_tree::Node> tree = expression_tree::parse(text, position);
      const bool shell_quoted = parse_filter(text, position);
      expect_close(text, position, open);
      position += close_mark.size();
      pieces.emplace_back(Placeholder{std::string(text.substr(open, position - open)), std::move(tree), shell_quoted});
    }
  } catch (const ExpressionError& error) {
    return fail(ErrorCode::invalid_request, "template '" + std::string(text) + "' at column " +
                                                std::to_string(error.position + 1) + ": " + error.reason);
  }
  return StringTemplate(std::string(text), std::move(pieces));
}

Result<nlohmann::json> StringTemplate::render(const Scope& scope, std::string_view location) const {
  const Placeholder* current = nullptr;
  try {
    if (is_single_placeholder()) {
      current = &std::get<Placeholder>(pieces_.front());
      return expression_tree::evaluate(*current->tree, scope).take();
    }
    std::string out;
    for (const auto& piece : pieces_) {
      if (const auto* literal = std::get_if<std::string>(&piece)) {
        out += *literal;
        continue;
      }
      current = &std::get<Placeholder>(piece);
      const auto value = expression_tree::evaluate(*current->tree, scope);
      out += current->shell_quoted ? shell_quote(value.get()) : text_of(value.get());
    }
    return nlohmann::json(std::move(out));
  } catch (const ExpressionError& error) {
    const auto where = location.empty() ? std::string() : " at " + std::string(location);
    return fail(ErrorCode::invalid_request, "template '" + current->text + "'" + where + ": " + error.reason);
  }
}

bool StringTemplate::is_literal() const {
  return std::none_of(pieces_.begin(), pieces_.end(),
                      [](const Piece& piece) { return std::holds_alternative<Placeholder>(piece); });
}

bool StringTemplate::is_single_placeholder() const {
  if (pieces_.size() != 1) return false;
  const auto* placeholder = std::get_if<Placeholder>(&pieces_.front());
  return placeholder != nullptr && !placeholder->shell_quoted;
}

std::vector<std::string> StringTemplate::unquoted_placeholders() const {
  std::vector<std::string> texts;
  for (const auto& piece : pieces_) {
    const auto* placeholder = std::get_if<Placeholder>(&piece);
    if (placeholder != nullptr && !placeholder->shell_quoted) texts.push_back(placeholder->text);
  }
  return texts;
}

std::vector<ValuePath> StringTemplate::references() const {
  std::vector<ValuePath> paths;
  for (const auto& piece : pieces_) {
    if (const auto* placeholder = std::get_if<Placeholder>(&piece))
      expression_tree::collect_paths(*placeholder->tree, paths);
  }
  return paths;
}

std::vector<ValuePath> StringTemplate::bare_paths() const {
  std::vector<ValuePath> paths;
  for (const auto& piece : pieces_) {
    const auto* placeholder = std::get_if<Placeholder>(&piece);
    if (placeholder != nullptr && placeholder->tree->kind == expression_tree::Kind::path) {
      paths.push_back(placeholder->tree->path);
    }
  }
  return paths;
}

Result<JsonTemplate> JsonTemplate::compile(nlohmann::json value) {
  std::vector<Slot> slots;
  std::vector<Problem> problems;
  compile_value(value, "", 0, slots, problems);
  if (!problems.empty()) {
    const auto count = std::to_string(problems.size());
    return fail(ErrorCode::invalid_request,
                count + (problems.size() == 1 ? " template does" : " templates do") + " not parse",
                std::move(problems));
  }
  return JsonTemplate(std::move(value), std::move(slots));
}

Result<nlohmann::json> JsonTemplate::render(const Scope& scope) const {
  nlohmann::json rendered = source_;
  for (const auto& slot : slots_) {
    auto value = slot.text.render(scope, slot.pointer);
    if (!value) return value;
    rendered[nlohmann::json::json_pointer(slot.pointer)] = std::move(value.value());
  }
  return rendered;
}

}  // namespace weft::daemon
