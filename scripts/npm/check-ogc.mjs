// Checks what weftd's OGC API – Processes face answered against the
// standard's own schemas (tests/fixtures/ogcapi-processes, OpenAPI 3.0
// schemas, so JSON Schema draft 4 as Ajv reads it):
//   node scripts/npm/check-ogc.mjs SCHEMAS_DIR ANSWERS_JSON
// ANSWERS_JSON is [{"what": "GET /ogc/jobs", "schema": "jobList", "body": …}];
// the schema "openapi" checks that the body is a valid OpenAPI 3.0 document
// (the face's service-desc).
// Prints every mismatch and exits 1 if there is one.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

const [schemasDir, answersPath] = process.argv.slice(2);
if (!schemasDir || !answersPath) {
  console.error("usage: check-ogc.mjs SCHEMAS_DIR ANSWERS_JSON");
  process.exit(2);
}
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
for (const file of readdirSync(schemasDir).filter((name) => name.endsWith(".yaml"))) {
  // Each file is a schema named by its file name, so that relative $refs resolve.
  ajv.addSchema({ id: `https://ogc.schemas/${file}`, ...YAML.parse(readFileSync(join(schemasDir, file), "utf8")) });
}
const problems = [];
const answers = JSON.parse(readFileSync(answersPath, "utf8"));
for (const { what, schema, body } of answers) {
  if (schema === "openapi") {
    const validator = new Validator();
    const structure = await validator.validate(structuredClone(body));
    if (!structure.valid) problems.push(`${what}: not valid OpenAPI: ${JSON.stringify(structure.errors).slice(0, 400)}`);
    else if (validator.version !== "3.0") problems.push(`${what}: OpenAPI ${validator.version}, not 3.0`);
    continue;
  }
  const validate = ajv.getSchema(`https://ogc.schemas/${schema}.yaml`);
  if (!validate) {
    problems.push(`${what}: no schema ${schema}.yaml`);
  } else if (!validate(body)) {
    problems.push(`${what} as ${schema}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 400)}`);
  }
}
for (const problem of problems) console.log(problem);
console.log(`${answers.length} answers checked, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
