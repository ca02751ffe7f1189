#include "proto_schema.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace weft::fakes {
namespace {

using nlohmann::json;

struct Token {
  std::string text;
  int line = 0;
};

std::vector<Token> tokenize(const std::string& source) {
  std::vector<Token> tokens;
  int line = 1;
  for (size_t i = 0; i < source.size();) {
    const char c = source[i];
    if (c == '\n') ++line;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (source.compare(i, 2, "//") == 0) {
      while (i < source.size() && source[i] != '\n') ++i;
    } else if (source.compare(i, 2, "/*") == 0) {
      const auto end = source.find("*/", i + 2);
      for (size_t j = i; j < std::min(end, source.size()); ++j) line += source[j] == '\n' ? 1 : 0;
      i = end == std::string::npos ? source.size() : end + 2;
    } else if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < source.size() && source[j] != c) j += source[j] == '\\' ? 2 : 1;
      tokens.push_back({source.substr(i, j + 1 - i), line});
      i = j + 1;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '+') {
      size_t j = i;
      while (j < source.size() && (std::isalnum(static_cast<unsigned char>(source[j])) || source[j] == '_' ||
                                   source[j] == '.' || source[j] == '-' || source[j] == '+')) {
        ++j;
      }
      tokens.push_back({source.substr(i, j - i), line});
      i = j;
    } else {
      tokens.push_back({std::string(1, c), line});
      ++i;
    }
  }
  return tokens;
}

struct Field {
  std::string type;  // as written; resolved later
  std::string map_key;
  std::string json_name;
  bool repeated = false;
  bool required = false;
};

struct Message {
  std::string scope;  // where its field types are looked up from: its own full name
  std::vector<Field> fields;
};

std::string camel_case(const std::string& name) {
  std::string out;
  bool upper = false;
  for (const char c : name) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string file) : tokens_(std::move(tokens)), file_(std::move(file)) {}

  void parse(std::map<std::string, Message>& messages, std::map<std::string, std::vector<std::string>>& enums) {
    messages_ = &messages;
    enums_ = &enums;
    std::string package;
    while (!done()) {
      const std::string word = next();
      if (word == "package") {
        package = next();
        expect(";");
      } else if (word == "message") {
        message(package);
      } else if (word == "enum") {
        enumeration(package);
      } else if (word == "syntax" || word == "import" || word == "option") {
        skip_statement();
      } else if (word == "service" || word == "extend") {
        next();
        skip_block();
      } else if (word != ";") {
        fail("unexpected \"" + word + "\"");
      }
    }
  }

 private:
  bool done() const { return pos_ >= tokens_.size(); }
  const std::string& peek() const {
    static const std::string end;
    return done() ? end : tokens_[pos_].text;
  }
  std::string next() {
    if (done()) fail("unexpected end of file");
    return tokens_[pos_++].text;
  }
  void expect(const std::string& text) {
    if (next() != text) fail("expected \"" + text + "\"");
  }
  [[noreturn]] void fail(const std::string& what) const {
    const int line = tokens_.empty() ? 0 : tokens_[std::min(pos_, tokens_.size() - 1)].line;
    throw std::runtime_error(file_ + ":" + std::to_string(line) + ": " + what);
  }
  // Past the ';' that ends a statement, or past the block it opens.
  void skip_statement() {
    while (!done()) {
      const std::string t = next();
      if (t == ";") return;
      if (t == "{") {
        --pos_;
        skip_block();
        return;
      }
    }
  }
  void skip_block() {
    expect("{");
    for (int depth = 1; depth > 0;) {
      const std::string t = next();
      depth += t == "{" ? 1 : t == "}" ? -1 : 0;
    }
  }

  static std::string join(const std::string& scope, const std::string& name) {
    return scope.empty() ? name : scope + "." + name;
  }

  void enumeration(const std::string& scope) {
    const std::string name = join(scope, next());
    expect("{");
    std::vector<std::string> values;
    while (peek() != "}") {
      const std::string word = next();
      if (word == "option" || word == "reserved") {
        skip_statement();
      } else if (word != ";") {
        values.push_back(word);
        skip_statement();
      }
    }
    expect("}");
    (*enums_)[name] = values;
  }

  void message(const std::string& scope) {
    const std::string name = join(scope, next());
    expect("{");
    Message m;
    m.scope = name;
    body(m, name);  // up to and with its closing brace
    (*messages_)[name] = std::move(m);
  }

  void body(Message& m, const std::string& name) {
    while (peek() != "}") {
      const std::string word = peek();
      if (word == "message") {
        next();
        message(name);
      } else if (word == "enum") {
        next();
        enumeration(name);
      } else if (word == "oneof") {
        next();
        next();
        expect("{");
        body(m, name);  // its fields are the message's, each optional
      } else if (word == "option" || word == "reserved" || word == "extensions") {
        skip_statement();
      } else if (word == "extend") {
        next();
        next();
        skip_block();
      } else if (word == ";") {
        next();
      } else {
        m.fields.push_back(field());
      }
    }
    expect("}");
  }

  Field field() {
    Field f;
    std::string word = next();
    if (word == "repeated") {
      f.repeated = true;
      word = next();
    } else if (word == "optional") {
      word = next();
    }
    if (word == "map") {
      expect("<");
      f.map_key = next();
      expect(",");
      f.type = next();
      expect(">");
    } else {
      f.type = word;
    }
    const std::string name = next();
    f.json_name = camel_case(name);
    expect("=");
    next();
    if (peek() == "[") options(f);
    expect(";");
    return f;
  }

  // [ (google.api.field_behavior) = REQUIRED, json_name = "x", (a) = { ... } ]
  void options(Field& f) {
    expect("[");
    std::string option;
    for (int depth = 1; depth > 0;) {
      const std::string t = next();
      if (t == "[" || t == "{") ++depth;
      if (t == "]" || t == "}") --depth;
      if (depth != 1) continue;
      if (t == ",") {
        option.clear();
      } else if (t == "=") {
        const std::string value = peek();
        if (option == "(google.api.field_behavior)" && value == "REQUIRED") f.required = true;
        if (option == "json_name" && value.size() >= 2) f.json_name = value.substr(1, value.size() - 2);
      } else {
        option += t;
      }
    }
  }

  std::vector<Token> tokens_;
  std::string file_;
  size_t pos_ = 0;
  std::map<std::string, Message>* messages_ = nullptr;
  std::map<std::string, std::vector<std::string>>* enums_ = nullptr;
};

std::optional<json> scalar(const std::string& type) {
  if (type == "string") return json{{"type", "string"}};
  if (type == "bytes") return json{{"type", "string"}};
  if (type == "bool") return json{{"type", "boolean"}};
  if (type == "double" || type == "float") return json{{"type", "number"}};
  if (type == "int32" || type == "sint32" || type == "sfixed32") return json{{"type", "integer"}, {"format", "int32"}};
  if (type == "uint32" || type == "fixed32") return json{{"type", "integer"}, {"format", "uint64"}};
  if (type == "int64" || type == "sint64" || type == "sfixed64" || type == "uint64" || type == "fixed64") {
    // The mapping writes them as decimal strings; parsers take numbers too.
    return json{{"type", json::array({"string", "integer"})}, {"pattern", "^-?[0-9]+$"}};
  }
  return std::nullopt;
}

// The well-known types, as the JSON mapping writes them.
std::optional<json> well_known(const std::string& full_name) {
  static const std::map<std::string, json> types = {
      {"google.protobuf.Duration", {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$"}}},
      {"google.protobuf.Timestamp",
       {{"type", "string"},
        {"pattern",
         "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"}}},
      {"google.protobuf.FieldMask", {{"type", "string"}}},
      {"google.protobuf.Struct", {{"type", "object"}, {"additionalProperties", json::object()}}},
      {"google.protobuf.Value", json::object()},
      {"google.protobuf.ListValue", {{"type", "array"}}},
      {"google.protobuf.Any", {{"type", "object"}, {"required", {"@type"}}, {"additionalProperties", json::object()}}},
      {"google.protobuf.Empty", {{"type", "object"}, {"additionalProperties", false}}},
      {"google.protobuf.BoolValue", {{"type", "boolean"}}},
      {"google.protobuf.StringValue", {{"type", "string"}}},
      {"google.protobuf.BytesValue", {{"type", "string"}}},
      {"google.protobuf.DoubleValue", {{"type", "number"}}},
      {"google.protobuf.FloatValue", {{"type", "number"}}},
      {"google.protobuf.Int32Value", {{"type", "integer"}, {"format", "int32"}}},
      {"google.protobuf.UInt32Value", {{"type", "integer"}, {"format", "uint64"}}},
      {"google.protobuf.Int64Value", {{"type", json::array({"string", "integer"})}, {"pattern", "^-?[0-9]+$"}}},
      {"google.protobuf.UInt64Value", {{"type", json::array({"string", "integer"})}, {"pattern", "^[0-9]+$"}}},
  };
  const auto it = types.find(full_name);
  if (it == types.end()) return std::nullopt;
  return it->second;
}

class Resolver {
 public:
  Resolver(const std::map<std::string, Message>& messages, const std::map<std::string, std::vector<std::string>>& enums)
      : messages_(messages), enums_(enums) {}

  // The schema of a field's type, looked up from scope outward as protoc does.
  json type_schema(const std::string& type, const std::string& scope) const {
    if (auto s = scalar(type)) return *s;
    const std::string full = resolve(type, scope);
    if (auto s = well_known(full)) return *s;
    if (messages_.count(full) != 0) return {{"$ref", "#/definitions/" + full}};
    if (const auto e = enums_.find(full); e != enums_.end()) return {{"type", "string"}, {"enum", e->second}};
    return json::object();  // a type from a file not given: anything goes
  }

 private:
  std::string resolve(const std::string& type, std::string scope) const {
    if (!type.empty() && type[0] == '.') return type.substr(1);
    for (;;) {
      std::string candidate = scope.empty() ? type : scope + "." + type;
      if (messages_.count(candidate) != 0 || enums_.count(candidate) != 0 || well_known(candidate)) return candidate;
      if (scope.empty()) return type;
      const auto dot = scope.rfind('.');
      scope = dot == std::string::npos ? "" : scope.substr(0, dot);
    }
  }

  const std::map<std::string, Message>& messages_;
  const std::map<std::string, std::vector<std::string>>& enums_;
};

}  // namespace

json proto_definitions(const std::vector<std::filesystem::path>& files) {
  std::map<std::string, Message> messages;
  std::map<std::string, std::vector<std::string>> enums;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read the proto file " + file.string());
    std::stringstream text;
    text << in.rdbuf();
    Parser(tokenize(text.str()), file.string()).parse(messages, enums);
  }
  const Resolver resolver(messages, enums);
  json definitions = json::object();
  for (const auto& [name, m] : messages) {
    json properties = json::object();
    json required = json::array();
    for (const auto& f : m.fields) {
      json schema = resolver.type_schema(f.type, m.scope);
      if (!f.map_key.empty()) {
        schema = {{"type", "object"}, {"additionalProperties", schema}};
      } else if (f.repeated) {
        schema = {{"type", "array"}, {"items", schema}};
      }
      properties[f.json_name] = schema;
      if (f.required) required.push_back(f.json_name);
    }
    json definition = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
    if (!required.empty()) definition["required"] = required;
    definitions[name] = definition;
  }
  return {{"definitions", definitions}};
}

json proto_definitions_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".proto") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return proto_definitions(files);
}

}  // namespace weft::fakes
