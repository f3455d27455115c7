import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { adminToken, agentInput, api } from "../support/client";
import { spawnUntilReady } from "../support/child";
import { freePort, productionEnv, ROOT } from "../support/vigil-process";
import { figure } from "./figures";

/**
 * No container engine runs here (podman cannot pull a base image, nor start a container:
 * "crun: setrlimit RLIMIT_NOFILE: Operation not permitted"), so this runs what the image
 * runs: the files the Dockerfile's run stage copies — read from the Dockerfile itself — as
 * an unprivileged user (uid 65534) that owns only its data directory, with the application
 * mounted read-only, and its own HEALTHCHECK command.
 */
const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");

/** The run stage's `COPY --from=build /app/<from> <to>` lines, `to` relative to /app. */
function runStageCopies(): { from: string; to: string }[] {
  const copies = [...dockerfile.matchAll(/^COPY --from=build (?:--\S+ )*\/app\/(\S+) (\S+)$/gm)].map((m) => ({ from: m[1] ?? "", to: m[2] ?? "" }));
  expect(copies.length).toBeGreaterThanOrEqual(4);
  return copies;
}

/** The HEALTHCHECK's exec-form command. */
function healthcheck(): string[] {
  const m = /^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$/m.exec(dockerfile);
  expect(m, "a HEALTHCHECK with an exec-form CMD").not.toBeNull();
  return JSON.parse(m?.[1] ?? "[]") as string[];
}

const du = (dir: string) => Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

describe.runIf(process.getuid?.() === 0)("the container image's layout", () => {
  it("ships no sharp, runs as uid 65534 with everything but its data directory read-only, becomes ready, issues tokens and writes", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "vigil-image-"));
    chmodSync(base, 0o755);
    const app = path.join(base, "app");
    const data = path.join(base, "data");
    mkdirSync(app);
    mkdirSync(data, { mode: 0o700 });
    chownSync(data, 65534, 65534);
    for (const { from, to } of runStageCopies()) cpSync(path.join(ROOT, from), path.resolve(app, to), { recursive: true });
    // Owned by root and not writable, as COPY without --chown leaves it.
    execFileSync("chown", ["-R", "0:0", app]);
    execFileSync("chmod", ["-R", "a-w", app]);

    // Next's image optimiser is off and sharp is not traced into the output.
    expect(existsSync(path.join(app, "node_modules", "sharp"))).toBe(false);
    expect(existsSync(path.join(app, "node_modules", "@img"))).toBe(false);
    expect(readdirSync(path.join(app, "node_modules")).filter((n) => /sharp|libvips/.test(n))).toEqual([]);
    const sizes = { standalone: du(path.join(ROOT, ".next/standalone")), dist: du(path.join(ROOT, "dist")), static: du(path.join(ROOT, ".next/static")), app: du(app) };
    figure("image layout size", { standalone: mib(sizes.standalone), dist: mib(sizes.dist), standalone_plus_dist: mib(sizes.standalone + sizes.dist), whole_app_dir: mib(sizes.app) });

    const port = await freePort();
    const env: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: "/tmp", ...productionEnv(port, { dataDir: data }) };
    // A mount namespace of its own: the app directory is bind-mounted read-only over itself,
    // then the process drops to uid/gid 65534 with no capabilities.
    const script = `mount --bind "$APP" "$APP" && mount -o remount,bind,ro "$APP" && exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "${process.execPath}" dist/server.mjs`;
    const vigil = await spawnUntilReady({
      name: "image-layout",
      command: "unshare",
      args: ["--mount", "--propagation", "private", "sh", "-c", script],
      options: { cwd: app, env: { ...env, APP: app } },
      ready: () => fetch(`http://127.0.0.1:${port}/api/ready`).then((r) => r.ok),
      timeoutMs: 60_000,
      pollMs: 100,
    });
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      // The image's own healthcheck, run as the image would (same user, same PORT).
      const [cmd = "", ...args] = healthcheck();
      expect(cmd).toBe("node");
      const probe = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, ...args], { env: { ...env, PORT: String(port) }, encoding: "utf8" });
      expect(probe.status, probe.stderr).toBe(0);
      expect(args.join(" ")).toContain("/api/ready");

      const token = await adminToken(baseUrl);
      expect(token).toMatch(/^ey/);
      const created = await api(baseUrl, token)("POST", "/api/v1/agents", agentInput());
      expect(created.status).toBe(201);
      // As a browser asks for it: `/` without text/html is the runbook's JSON health answer.
      const page = await fetch(`${baseUrl}/`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Vigil");
      expect((await fetch(`${baseUrl}/.well-known/jwks.json`)).status).toBe(200);
      // The process is who it should be, and nothing tried to write where it may not.
      // unshare, sh and setpriv each exec the next: the pid spawned is the server's.
      expect(readFileSync(`/proc/${vigil.pid}/cmdline`, "utf8").split("\0")).toEqual([process.execPath, "dist/server.mjs", ""]);
      expect(readFileSync(`/proc/${vigil.pid}/status`, "utf8")).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
      expect(vigil.output()).not.toMatch(/EROFS|EACCES|read-only file system|does not work with "output: standalone"/i);
      expect(readdirSync(data).sort()).toContain("pglite");
    } finally {
      expect(await vigil.stop()).toBe(0);
    }
    // The operator's command the image carries (it has no tsx), as the same user on the same
    // read-only layout: README "Rotating AUTH_SECRET".
    const reseal = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "dist/secrets-reseal.mjs"], { cwd: app, env, encoding: "utf8" });
    expect(reseal.status, reseal.stderr).toBe(0);
    expect(JSON.parse(reseal.stdout)).toMatchObject({ previous_secrets_needed: false, signing_keys: { unopenable: [] } });
  });
});
