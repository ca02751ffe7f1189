// Turns .proto files into the "definitions" of a JSON Schema document, as
// proto3's JSON mapping says a message looks in JSON, so that SwaggerSchema
// checks request bodies of gRPC-transcoded REST APIs (Cloud Run, Cloud
// Logging) as it checks those of Swagger documents.
//
// The mapping: fields by their JSON name (lowerCamelCase, or json_name),
// repeated as arrays, maps as objects, enums by value name, 64-bit integers
// as numbers or decimal strings, bytes as strings, and the well-known types
// (Duration "1.5s", Timestamp RFC 3339, FieldMask, Struct, Value, Any,
// wrappers, Empty) as the mapping writes them. Fields marked
// (google.api.field_behavior) = REQUIRED are required. Messages the files
// do not define (imports that are not given) accept any value.
//
// Reads the part of the proto language API documents use: package, message,
// enum, oneof, map, nested types, options (skipped); services and extends
// are skipped. oneof's "at most one" is not checked.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace weft::fakes {

// {"definitions": {"<package>.<Message>": schema, ...}}, ready for
// SwaggerSchema. Throws std::runtime_error naming the file and line of what
// it cannot read.
nlohmann::json proto_definitions(const std::vector<std::filesystem::path>& files);
// The same of every .proto file under dir.
nlohmann::json proto_definitions_in(const std::filesystem::path& dir);

}  // namespace weft::fakes
