/**
 * Writes openapi.json from the route table (npm run build runs it). With --check, or in CI, it
 * writes nothing and fails if the committed file differs: the description is generated,
 * and a route added without regenerating it is caught before it ships.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openApiDocument } from "@/lib/http/openapi";
import { routes } from "@/lib/http/routes";
import { version } from "@/package.json";

const file = path.join(process.cwd(), "openapi.json");
const text = `${JSON.stringify(openApiDocument(routes, { version }), null, 2)}\n`;
if (process.argv.includes("--check") || process.env.CI === "true") {
  let held = "";
  try {
    held = readFileSync(file, "utf8");
  } catch {
    // missing: reported below like any other difference
  }
  if (held !== text) {
    console.error("openapi.json is not what the route table generates: run `npm run openapi` and commit it.");
    process.exit(1);
  }
  console.log("openapi.json matches the route table");
} else {
  writeFileSync(file, text);
  console.log(`openapi.json written (${Object.keys(JSON.parse(text).paths).length} paths)`);
}
