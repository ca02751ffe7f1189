// Templates: "{{ expression }}" placeholders inside JSON strings, usually a
// path such as {{ nodes.list.output.files }}. A string that is exactly one
// placeholder takes the value's JSON type; otherwise each value is rendered
// into the string. "{{ expression | shell_quote }}" renders the value as one
// POSIX shell word. The language is specified in docs/workflow-language.md.
//
// Templates are parsed once and are immutable: the scheduler renders the same
// compiled params for every element of a for_each, from any thread.
#pragma once

#include "core/result.hpp"
#include "workflow/value_path.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace weft::daemon {

namespace expression_tree {
struct Node;
}

// The value as one word of a POSIX shell script: single-quoted, each ' as '\''.
// A string is quoted as it is, anything else as its compact JSON text.
std::string shell_quote(const nlohmann::json& value);

// One JSON string with its placeholders parsed.
class StringTemplate {
 public:
  // Failure (invalid_request): "template 'x {{ a < }}' at column 9: expected a value, found '}'".
  static Result<StringTemplate> parse(std::string_view text);

  // The rendered value. `location` says where the string sits (a JSON pointer
  // such as "/argv/2"), for the error message: "template '{{ nodes.list.output.filez }}'
  // at /argv/2: no 'filez' in nodes.list.output". Failure code: invalid_request.
  Result<nlohmann::json> render(const Scope& scope, std::string_view location = {}) const;

  const std::string& source() const { return source_; }
  // No placeholders: renders to the string itself.
  bool is_literal() const;
  // Exactly one placeholder without a filter and nothing around it: renders
  // to the value's JSON type.
  bool is_single_placeholder() const;
  // The placeholders ("{{ ... }}" as written) whose value is not shell-quoted.
  std::vector<std::string> unquoted_placeholders() const;
  // Every path the placeholders read, in source order.
  std::vector<ValuePath> references() const;
  // The paths of the placeholders that are nothing but a path
  // ({{ nodes.a.output }}, not {{ len(nodes.a.output) }}), in source order.
  std::vector<ValuePath> bare_paths() const;

 private:
  struct Placeholder {
    std::string text;  // "{{ ... }}" as written
    std::shared_ptr<const expression_tree::Node> tree;
    bool shell_quoted = false;  // "{{ ... | shell_quote }}"
  };
  using Piece = std::variant<std::string, Placeholder>;

  StringTemplate(std::string source, std::vector<Piece> pieces)
      : source_(std::move(source)), pieces_(std::move(pieces)) {}

  std::string source_;
  std::vector<Piece> pieces_;
};

// A JSON value whose strings are templates (keys are not), e.g. a node's params.
class JsonTemplate {
 public:
  // Deepest nesting of arrays and objects accepted.
  static constexpr int max_depth = 100;

  struct Slot {
    std::string pointer;  // JSON pointer of the string inside the value
    StringTemplate text;
  };

  // Failure (invalid_request) lists every string that is not a valid
  // template, each at its JSON pointer relative to `value`.
  static Result<JsonTemplate> compile(nlohmann::json value);

  // A copy of the value with every template rendered. The first placeholder
  // that does not resolve fails the whole render, naming the pointer.
  Result<nlohmann::json> render(const Scope& scope) const;

  const nlohmann::json& source() const { return source_; }
  // The strings with placeholders, in document order; literal strings are not listed.
  const std::vector<Slot>& slots() const { return slots_; }

 private:
  JsonTemplate(nlohmann::json source, std::vector<Slot> slots) : source_(std::move(source)), slots_(std::move(slots)) {}

  nlohmann::json source_;
  std::vector<Slot> slots_;
};

}  // namespace weft::daemon
