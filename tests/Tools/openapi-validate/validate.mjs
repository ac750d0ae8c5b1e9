// Checks an OpenAPI document independently of Micro and of Microsoft.OpenApi: against the official OpenAPI JSON Schema
// of its version (@seriousme/openapi-schema-validator), with every $ref resolved, and that each {name} of a path
// template has a path parameter of that name in every operation (a rule the schema cannot express).
// Usage: node validate.mjs document.json   Prints "valid <version>" and exits 0, or prints the errors and exits 1.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2];
const document = JSON.parse(readFileSync(file, "utf8"));
const validator = new Validator();
const result = await validator.validate(document);
if (!result.valid) {
  console.log(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
validator.resolveRefs(); // throws on a reference to nothing
const problems = [];
for (const [template, item] of Object.entries(document.paths ?? {})) {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
  for (const [method, operation] of Object.entries(item)) {
    const declared = new Set((operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name));
    for (const name of names) {
      if (!declared.has(name)) problems.push(`${method.toUpperCase()} ${template}: no path parameter '${name}'`);
    }
  }
}
if (problems.length > 0) {
  console.log(problems.join("\n"));
  process.exit(1);
}
console.log(`valid ${validator.version}`);
