#include "workflow/process_interface.hpp"

#include "workflow/json_pointer_text.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

namespace weft::daemon {
namespace {

// The keywords OGC API – Processes 1.0 allows in a description's schema (its
// schema.yaml, an OpenAPI 3.0 subset): clients validate descriptions against
// it, so a `const` or a `$defs` would make the whole process unusable to them.
constexpr std::array<std::string_view, 35> kSchemaKeywords = {"title",
                                                              "multipleOf",
                                                              "maximum",
                                                              "exclusiveMaximum",
                                                              "minimum",
                                                              "exclusiveMinimum",
                                                              "maxLength",
                                                              "minLength",
                                                              "pattern",
                                                              "maxItems",
                                                              "minItems",
                                                              "uniqueItems",
                                                              "maxProperties",
                                                              "minProperties",
                                                              "required",
                                                              "enum",
                                                              "type",
                                                              "not",
                                                              "allOf",
                                                              "oneOf",
                                                              "anyOf",
                                                              "items",
                                                              "properties",
                                                              "additionalProperties",
                                                              "description",
                                                              "format",
                                                              "default",
                                                              "nullable",
                                                              "readOnly",
                                                              "writeOnly",
                                                              "example",
                                                              "deprecated",
                                                              "contentMediaType",
                                                              "contentEncoding",
                                                              "contentSchema"};

bool is_keyword(std::string_view key) {
  return std::find(kSchemaKeywords.begin(), kSchemaKeywords.end(), key) != kSchemaKeywords.end();
}

void check_schema(const nlohmann::json& schema, const std::string& pointer, std::vector<Problem>& problems,
                  int depth = 0) {
  if (!expect_object(schema, pointer, problems)) return;
  constexpr int kDeepest = 16;
  if (depth > kDeepest) return problems.push_back({pointer, "a schema nested deeper than 16 levels"});
  for (const auto& [key, value] : schema.items()) {
    const auto at = child_pointer(pointer, key);
    if (!is_keyword(key)) {
      problems.push_back({at, "'" + key +
                                  "' is not a keyword of the schemas OGC API – Processes allows (an OpenAPI "
                                  "3.0 subset: no $ref, const, examples or $defs)"});
    } else if (key == "type" && !value.is_string()) {
      problems.push_back({at, "must be one type name (a string); write a list of types as oneOf"});
    } else if (key == "not" || key == "items" || key == "contentSchema" ||
               (key == "additionalProperties" && !value.is_boolean())) {
      check_schema(value, at, problems, depth + 1);
    } else if (key == "allOf" || key == "oneOf" || key == "anyOf") {
      if (!value.is_array() || value.empty()) {
        problems.push_back({at, "must be a non-empty array of schemas"});
        continue;
      }
      for (std::size_t i = 0; i < value.size(); ++i) check_schema(value[i], child_pointer(at, i), problems, depth + 1);
    } else if (key == "properties") {
      if (!expect_object(value, at, problems)) continue;
      for (const auto& [name, property] : value.items()) {
        check_schema(property, child_pointer(at, name), problems, depth + 1);
      }
    }
  }
}

// Reads `title`, `description` and `schema`, common to inputs and outputs.
void read_description(DocumentReader& reader, std::vector<Problem>& problems) {
  reader.string("title");
  reader.string("description");
  if (const auto* schema = reader.object("schema", true)) check_schema(*schema, reader.pointer("schema"), problems);
}

// Each entry of `list` is an object with a unique `id`; `read_entry` reads the rest.
template <class ReadEntry>
void read_list(DocumentReader& reader, std::string_view list, std::vector<Problem>& problems, ReadEntry read_entry) {
  const auto* entries = reader.array(list);
  if (entries == nullptr) return;
  std::set<std::string, std::less<>> ids;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const auto pointer = child_pointer(reader.pointer(list), i);
    if (!expect_object((*entries)[i], pointer, problems)) continue;
    DocumentReader entry(entries->at(i), pointer, problems);
    const auto id = entry.string("id", true);
    if (id && !ids.insert(*id).second) entry.problem("id", "'" + *id + "' is listed twice");
    read_description(entry, problems);
    read_entry(entry, id);
    entry.report_unknown_keys();
  }
}

}  // namespace

void check_process_interface(DocumentReader& reader, const Workflow& workflow, std::vector<Problem>& problems) {
  read_list(reader, "inputs", problems, [&](DocumentReader& entry, const std::optional<std::string>& id) {
    entry.boolean("required");
    if (id && !workflow.params.contains(*id)) {
      entry.problem("id", "'" + *id + "' is not a param of the workflow; an input describes one of its params");
    }
  });
  read_list(reader, "outputs", problems, [&](DocumentReader& entry, const std::optional<std::string>&) {
    const auto node = entry.string("node", true);
    entry.string("field");
    const auto& nodes = workflow.nodes;
    if (node && std::none_of(nodes.begin(), nodes.end(), [&](const NodeSpec& spec) { return spec.id == *node; })) {
      entry.problem("node", "there is no node '" + *node + "' in the workflow");
    }
  });
}

}  // namespace weft::daemon
