import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without types
import { vercelBin, VERCEL_CLI_VERSION } from "../../scripts/vercel-cli.mjs";
import { ROOT } from "../support/vigil-process";
import { figure } from "./figures";

/**
 * `vercel build` (the CLI from npm, 58.10.0) turns this repository into Vercel's Build Output
 * API: what a Vercel deployment runs. Offline, with a project file written by hand (what
 * `vercel pull` would fetch), on a copy of the tree so the suite's own `.next` stays as built.
 * The serverless mode itself is exercised in e2e/faults/serverless.test.ts.
 */
type Cron = { path: string; schedule: string };
type VcConfig = { runtime?: string; maxDuration?: number; handler?: string };

describe("vercel build", () => {
  let out = "";
  let log = "";
  let status: number | null = null;

  beforeAll(() => {
    const bin = vercelBin() as string;
    const work = mkdtempSync(path.join(tmpdir(), "vigil-vercel-"));
    // The tree as a fresh clone has it (tracked and new files, nothing ignored), and the
    // dependencies `npm ci` installed, linked rather than copied.
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter((f) => f !== "");
    for (const file of files) {
      if (!existsSync(path.join(ROOT, file))) continue; // deleted in the work tree
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(work, file));
    }
    for (const modules of ["node_modules", ...readdirSync(path.join(ROOT, "packages")).map((p) => path.join("packages", p, "node_modules"))]) {
      if (existsSync(path.join(ROOT, modules))) execFileSync("cp", ["-al", path.join(ROOT, modules), path.join(work, modules)]);
    }
    mkdirSync(path.join(work, ".vercel"));
    // What `vercel link`/`vercel pull` would write; dependencies are installed already.
    writeFileSync(
      path.join(work, ".vercel", "project.json"),
      JSON.stringify({ projectId: "prj_vigil_e2e", orgId: "team_vigil_e2e", settings: { framework: "nextjs", installCommand: "echo dependencies installed by npm ci" } }),
    );
    const started = performance.now();
    const run = spawnSync(bin, ["build", "--yes"], {
      cwd: work,
      encoding: "utf8",
      // Only what a build needs: no database, no secrets.
      env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", CI: "1", VERCEL_TELEMETRY_DISABLED: "1", NEXT_TELEMETRY_DISABLED: "1" },
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    figure(`vercel build (CLI ${VERCEL_CLI_VERSION})`, { seconds: Math.round((performance.now() - started) / 1000) });
    status = run.status;
    log = `${run.stdout}\n${run.stderr}`;
    out = path.join(work, ".vercel", "output");
  }, 900_000);

  const vcConfig = (fn: string): VcConfig => JSON.parse(readFileSync(path.join(out, "functions", `${fn}.func`, ".vc-config.json"), "utf8")) as VcConfig;

  it("completes and writes .vercel/output", () => {
    expect(status, log.slice(-4000)).toBe(0);
    expect(log).toContain("Build Completed in .vercel/output");
    expect(existsSync(path.join(out, "config.json"))).toBe(true);
  });

  it("schedules the cron routes vercel.json names", () => {
    const wanted = (JSON.parse(readFileSync(path.join(ROOT, "vercel.json"), "utf8")) as { crons: Cron[] }).crons;
    expect(wanted.map((c) => c.path).sort()).toEqual(["/api/cron/autoheal", "/api/cron/retention", "/api/cron/seal"]);
    const built = (JSON.parse(readFileSync(path.join(out, "config.json"), "utf8")) as { crons?: Cron[] }).crons;
    expect(built).toEqual(wanted);
  });

  it.each([
    ["api/cron/autoheal", 60],
    ["api/cron/seal", 60],
    ["api/cron/retention", 60],
    ["api/v1/events", 300],
  ])("gives %s a Node.js function of %i s", (fn, seconds) => {
    const config = vcConfig(fn);
    expect(config.runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(config.maxDuration).toBe(seconds);
  });

  it.each(["api/v1/token", "api/auth/validate", ".well-known/jwks.json", "api/v1/introspect", "api/alert"])("serves %s from a Node.js function", (fn) => {
    expect(vcConfig(fn).runtime).toMatch(/^nodejs(22|24)\.x$/);
  });
});
