import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** The repository root (lib/testing/ is two levels down). */
export const ROOT = path.resolve(import.meta.dirname, "../..");

/** Production source files under lib/ (no tests, no test support), as repo-relative paths. */
export function productionFiles(dir = "lib"): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (child !== "lib/testing") walk(child);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        out.push(child);
      }
    }
  };
  walk(dir);
  return out.sort();
}

export function readSource(file: string): string {
  return readFileSync(path.join(ROOT, file), "utf8");
}

/**
 * What a file imports, resolved to repo-relative module paths without extension
 * ("lib/audit/commit"); packages are left out. Type-only imports count: a type is a
 * dependency on the floor that defines it.
 */
export function importsOf(file: string, source = readSource(file)): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  const out: string[] = [];
  for (const { fileName } of importedFiles) {
    let target: string;
    if (fileName.startsWith("@/")) target = fileName.slice(2);
    else if (fileName.startsWith(".")) target = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
    else continue;
    out.push(target.replace(/\.(tsx?|mjs|js)$/, ""));
  }
  return out;
}
