// Checks weft's OpenAPI document and what weftd answered against it (the
// end-to-end test openapi_contract_test writes the answers):
//   node scripts/npm/check-openapi.mjs docs/openapi.json [answers.json]
// 1. The document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator).
// 2. Each answer {method, path, status, content_type, body} is one the
//    document lists for that operation, with that media type, and a JSON body
//    is valid against its schema (Ajv, JSON Schema 2020-12).
// 3. Each event {type, data} is valid against the schema of its type.
// Prints every mismatch and exits 1 if there is one.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [documentPath, answersPath] = process.argv.slice(2);
if (!documentPath) {
  console.error("usage: check-openapi.mjs OPENAPI_JSON [ANSWERS_JSON]");
  process.exit(2);
}
const document = JSON.parse(readFileSync(documentPath, "utf8"));
const problems = [];

const structure = await new Validator().validate(structuredClone(document));
if (!structure.valid) problems.push(`the document is not valid OpenAPI 3.1: ${JSON.stringify(structure.errors)}`);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, "openapi");
const pointer = (...parts) => "#/" + parts.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
const validatorAt = (ref) => ajv.getSchema("openapi" + ref) ?? ajv.compile({ $ref: "openapi" + ref });

function checkAnswer({ method, path, status, content_type: contentType, body }) {
  const what = `${method} ${path} ${status}`;
  const operation = document.paths?.[path]?.[method.toLowerCase()];
  if (!operation) return problems.push(`${what}: the document has no such operation`);
  let responseRef = pointer("paths", path, method.toLowerCase(), "responses", String(status));
  let response = operation.responses?.[String(status)];
  if (!response) return problems.push(`${what}: the document lists no ${status} answer for it`);
  if (response.$ref) {
    responseRef = response.$ref;
    response = response.$ref.split("/").slice(1).reduce((node, key) => node?.[key.replaceAll("~1", "/")], document);
  }
  const media = (contentType ?? "").split(";")[0].trim();
  if (!response?.content?.[media]) {
    return problems.push(`${what}: the document has no '${media}' content for it`);
  }
  if (media !== "application/json") return;
  const validate = validatorAt(`${responseRef}/content/${media.replace("/", "~1")}/schema`);
  if (!validate(body)) problems.push(`${what}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 400)}`);
}

const eventSchemas = { run: "RunEvent", task: "TaskEvent", reset: "ResetEvent" };
function checkEvent({ type, data }) {
  if (!eventSchemas[type]) return problems.push(`event '${type}': the document names no such event`);
  const validate = validatorAt(pointer("components", "schemas", eventSchemas[type]));
  if (!validate(data)) problems.push(`event '${type}': ${ajv.errorsText(validate.errors)} in ${JSON.stringify(data)}`);
}

if (answersPath) {
  const answers = JSON.parse(readFileSync(answersPath, "utf8"));
  for (const answer of answers.answers ?? []) checkAnswer(answer);
  for (const event of answers.events ?? []) checkEvent(event);
  console.log(`checked ${answers.answers?.length ?? 0} answers and ${answers.events?.length ?? 0} events`);
}
for (const problem of problems) console.error(problem);
process.exit(problems.length === 0 ? 0 : 1);
