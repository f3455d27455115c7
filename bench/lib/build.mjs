// The bench runs the production build. Other people (and CI steps) build in the same
// checkout; a `next build` in progress deletes .next/BUILD_ID and rewrites .next, and a
// second concurrent `next build` refuses to start. So: wait for any build already running,
// and build only when the output is still missing afterwards.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** @param {string} root */
export function buildIsPresent(root) {
  return existsSync(path.join(root, "dist", "server.mjs")) && existsSync(path.join(root, ".next", "BUILD_ID"));
}

/** @returns {string[]} command lines of running `next build` / build-server processes (Linux only) */
function runningBuilds() {
  /** @type {string[]} */
  const found = [];
  let entries = [];
  try {
    entries = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return found;
  }
  for (const pid of entries) {
    if (Number(pid) === process.pid) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      continue;
    }
    if (/\bnext(\.js)? build\b/.test(cmd) || cmd.includes("scripts/build-server.mjs")) found.push(`${pid}: ${cmd.trim()}`);
  }
  return found;
}

/** @param {number} timeoutMs */
async function waitForOtherBuilds(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    const builds = runningBuilds();
    if (builds.length === 0) return;
    if (Date.now() > deadline) throw new Error(`another build is still running after ${timeoutMs / 1000} s:\n${builds.join("\n")}`);
    if (!announced) {
      console.log(`bench: waiting for a build already in progress to finish:\n  ${builds.join("\n  ")}`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** @param {string} root */
export async function ensureBuild(root) {
  for (let attempt = 1; attempt <= 2; attempt++) {
    await waitForOtherBuilds(15 * 60_000);
    if (buildIsPresent(root)) return;
    console.log("bench: no build found (dist/server.mjs, .next/BUILD_ID), running npm run build...");
    const built = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
    if (built.status === 0 && buildIsPresent(root)) return;
    // Most likely someone else started a build between our check and ours: wait and retry once.
    console.log(`bench: npm run build exited ${built.status}${attempt === 1 ? ", retrying once" : ""}`);
  }
  throw new Error("npm run build failed");
}
