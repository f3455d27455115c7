// Shared by npm start, the test suite and the benchmarks: build only when the sources are
// newer than the last build (or there is none).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

const SOURCES = ["app", "components", "lib", "drizzle", "public", "proxy.ts", "server.ts", "instrumentation.ts", "next.config.ts", "package.json", "postcss.config.mjs", "tsconfig.json"];
const IGNORED = /\.test\.tsx?$/;

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return IGNORED.test(p) ? 0 : s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

export function buildIsCurrent() {
  const server = path.join(root, "dist", "server.mjs");
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(server) || !existsSync(buildId)) return false;
  const builtAt = Math.min(statSync(server).mtimeMs, statSync(buildId).mtimeMs);
  return Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s)))) <= builtAt;
}

export function ensureBuild() {
  if (buildIsCurrent()) return;
  console.log("vigil: no current build, building first (npm run build)...");
  const result = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (result.status !== 0) throw new Error(`npm run build failed with exit code ${result.status}`);
}
