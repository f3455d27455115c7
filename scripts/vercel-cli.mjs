// The Vercel CLI for `vercel build` (e2e/faults/vercel-build.test.ts), pinned: 58.10.0 is the
// newest that installs here. Kept out of package.json (it brings ~250 MB nobody else needs)
// and installed from the npm registry into .cache/vercel-cli on first use.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const VERCEL_CLI_VERSION = "58.10.0";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const prefix = path.join(root, ".cache", "vercel-cli", VERCEL_CLI_VERSION);

/** The path of the `vercel` binary, installed first when missing. */
export function vercelBin() {
  const bin = path.join(prefix, "node_modules", ".bin", "vercel");
  if (existsSync(bin)) return bin;
  mkdirSync(prefix, { recursive: true });
  const npm = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", prefix, `vercel@${VERCEL_CLI_VERSION}`], { stdio: "inherit" });
  if (npm.status !== 0 || !existsSync(bin)) throw new Error(`could not install vercel@${VERCEL_CLI_VERSION} into ${prefix} (npm exit ${npm.status})`);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(vercelBin());
