// Validation of `inputs` and `outputs`, the workflow described as a process
// (docs/ogc.md): each problem at its pointer.
#include "workflow_validation_fixture.hpp"

namespace weft::daemon {
namespace {

using ::testing::ElementsAre;

TEST_F(WorkflowValidation, InputsAndOutputsDescribeParamsAndNodeOutputs) {
  valid(R"({"name": "w", "params": {"text": null, "n": 5}, "nodes": [{"id": "a", "type": "noop"}],
      "inputs": [{"id": "text", "title": "Text", "required": true, "schema": {"type": "string"}},
                 {"id": "n", "schema": {"allOf": [{"format": "double"}, {"type": "number", "minimum": 0}]}}],
      "outputs": [{"id": "out", "description": "d", "node": "a", "field": "text", "schema": {"type": "string"}}]})");
}

TEST_F(WorkflowValidation, InputsNameDeclaredParamsAndOutputsExistingNodes) {
  EXPECT_THAT(
      problems(R"({"name": "w", "params": {"text": null}, "nodes": [{"id": "a", "type": "noop"}],
      "inputs": [{"id": "txt", "schema": {}}, {"id": "text", "schema": {}}, {"id": "text", "schema": {}}],
      "outputs": [{"id": "o", "node": "b", "schema": {}}, {"id": "p", "node": "a"}]})"),
      ElementsAre(Problem{"/inputs/0/id", "'txt' is not a param of the workflow; an input describes one of its params"},
                  Problem{"/inputs/2/id", "'text' is listed twice"},
                  Problem{"/outputs/0/node", "there is no node 'b' in the workflow"},
                  Problem{"/outputs/1/schema", "is required"}));
}

TEST_F(WorkflowValidation, SchemasStayInTheSubsetClientsAccept) {
  EXPECT_THAT(
      problems(R"({"name": "w", "params": {"x": 1}, "nodes": [{"id": "a", "type": "noop"}],
      "inputs": [{"id": "x", "schema": {"type": ["number", "null"], "oneOf": [{"const": 1}], "items": 3}}]})"),
      ElementsAre(
          Problem{"/inputs/0/schema/items", "must be an object, not number"},
          Problem{"/inputs/0/schema/oneOf/0/const",
                  "'const' is not a keyword of the schemas OGC API – Processes allows (an OpenAPI 3.0 subset: "
                  "no $ref, const, examples or $defs)"},
          Problem{"/inputs/0/schema/type", "must be one type name (a string); write a list of types as oneOf"}));
}

}  // namespace
}  // namespace weft::daemon
