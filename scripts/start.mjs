// npm start: build when there is no current build, then run the fast lane (which embeds
// Next for the console). Honours PORT and HOSTNAME.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);

const SOURCES = ["app", "components", "lib", "drizzle", "public", "proxy.ts", "server.ts", "instrumentation.ts", "next.config.ts", "package.json", "postcss.config.mjs"];

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

function buildIsCurrent() {
  const marker = path.join("dist", "server.mjs");
  if (!existsSync(marker) || !existsSync(path.join(".next", "BUILD_ID"))) return false;
  const builtAt = Math.min(statSync(marker).mtimeMs, statSync(path.join(".next", "BUILD_ID")).mtimeMs);
  return Math.max(...SOURCES.map(newestMtime)) <= builtAt;
}

if (!buildIsCurrent()) {
  console.log("vigil: no current build, building first (npm run build)...");
  const result = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

await import(pathToFileURL(path.join(root, "dist", "server.mjs")).href);
