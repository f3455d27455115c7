import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentInput, api } from "../support/client";
import { spawnUntilReady } from "../support/child";
import { TcpRelay } from "../support/tcp-relay";
import { freePort, productionEnv, ROOT } from "../support/vigil-process";
import { figure } from "./figures";

const adminUrl = process.env.TEST_DATABASE_URL;
const PASSWORD = "s3cret-pw-never-logged";

/** The server's JSON log lines (stdout), parsed. */
const jsonLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { level: number; msg: string });

const stderrLines = (stderr: string) => stderr.split("\n").filter((l) => l.trim() !== "");

/** Only what the test sets: a DATABASE_URL in the runner's environment must not leak in. */
const envOf = (env: Record<string, string>): NodeJS.ProcessEnv => ({ NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: "/tmp", ...env });

const run = (env: Record<string, string>, timeout = 60_000) => spawnSync(process.execPath, ["dist/server.mjs"], { cwd: ROOT, env: envOf(env), encoding: "utf8", timeout });

/** A PostgreSQL URL with a password, pointing at `port` of this machine, database `name`. */
const urlAt = (port: number, name = "vigil") => `postgres://vigil:${PASSWORD}@127.0.0.1:${port}/${name}`;

describe("starting safely, failing loudly", () => {
  it("a rules file with several mistakes: every one named at once with its line, exit 1", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "vigil-rules-"));
    const rules = path.join(dir, "rules.yml");
    writeFileSync(
      rules,
      ["rules:", "  - name: first", "    match: { alertname: A }", "    action: { kind: webhook, url: not-a-url }", "    cooldown: 1h", "  - name: second", "    match: { alertname: B }", "    action: { kind: teleport }", "    cooldown: forever", "    blast_radius: { max_actions: 5, window: 1h }", ""].join("\n"),
    );
    const result = run({ ...productionEnv(await freePort(), { dataDir: dir }), AUTOHEAL_RULES: rules });
    expect(result.status, result.stderr).toBe(1);
    const problems = result.stderr.split("\n").filter((l) => l.startsWith("  - "));
    // Four mistakes in two rules, each at the line an editor jumps to.
    expect(problems.length, result.stderr).toBeGreaterThanOrEqual(4);
    for (const p of problems) expect(p).toMatch(/^ {2}- line \d+: /);
    expect(problems.some((p) => p.startsWith("  - line 4:") && /url/.test(p))).toBe(true);
    expect(problems.some((p) => p.startsWith("  - line 8:") && /teleport|kind/.test(p))).toBe(true);
    expect(problems.some((p) => p.startsWith("  - line 9:") && /cooldown/.test(p))).toBe(true);
    expect(result.stdout).not.toMatch(/vigil started/);
  });

  it("port in use: one line, one fatal JSON line, exit 1 within a second, and nothing else started", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-port-"));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const started = performance.now();
      const result = run(productionEnv(port, { dataDir }));
      const ms = Math.round(performance.now() - started);
      figure("start on a port in use", { exit_code: String(result.status), ms });
      expect(result.status, result.stderr).toBe(1);
      expect(ms).toBeLessThan(1000);
      expect(stderrLines(result.stderr)).toEqual([`Vigil failed to start: cannot listen on 127.0.0.1:${port}: the address is already in use (another process holds the port; set PORT to another)`]);
      const fatal = jsonLines(result.stdout).filter((l) => l.level === 60);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]?.msg).toMatch(/^listen failed: the address is already in use/);
      // No database was opened (the embedded one would have made its directory and lock), no
      // runner or maintenance started (they log when they do).
      expect(readdirSync(dataDir)).toEqual([]);
      expect(result.stdout).not.toMatch(/vigil started|autoheal rules loaded|runner/);
    } finally {
      taken.close();
    }
  });

  it("an unreachable DATABASE_URL: retried with backoff, each attempt logged with the password masked, then exit 1 in one line", async () => {
    const dead = urlAt(1); // nothing listens on port 1
    const result = run({ ...productionEnv(await freePort(), { url: dead }), DATABASE_START_TIMEOUT_SECONDS: "2" });
    expect(result.status, result.stderr).toBe(1);
    const attempts = jsonLines(result.stdout).filter((l) => l.msg === "database not reachable yet; retrying");
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    for (const a of attempts) expect(a).toMatchObject({ level: 40, database_url: "postgres://vigil:***@127.0.0.1:1/vigil", error: expect.stringMatching(/ECONNREFUSED/) });
    // Backoff: each wait at least the one before (the last may be cut short by the deadline).
    const waits = attempts.map((a) => a.retry_in_ms as number).slice(0, -1);
    expect(waits[0]).toBe(250);
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect(stderrLines(result.stderr)).toEqual([
      expect.stringMatching(/^Vigil failed to start: DATABASE_URL postgres:\/\/vigil:\*\*\*@127\.0\.0\.1:1\/vigil: not reachable within DATABASE_START_TIMEOUT_SECONDS \(2 s, \d+ attempts\); last: .*ECONNREFUSED/),
    ]);
    expect(jsonLines(result.stdout).filter((l) => l.level === 60)).toHaveLength(1);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it.runIf(adminUrl)("a database that answers and refuses (no such database) ends the start at once, without retrying", async () => {
    const url = new URL(adminUrl ?? "");
    url.pathname = "/vigil_no_such_database";
    url.password = PASSWORD;
    const started = performance.now();
    const result = run({ ...productionEnv(await freePort(), { url: url.toString() }), DATABASE_START_TIMEOUT_SECONDS: "30" });
    expect(result.status, result.stderr).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(stderrLines(result.stderr)).toEqual([expect.stringMatching(/^Vigil failed to start: DATABASE_URL postgres:\/\/postgres:\*\*\*@.*refused the connection: .*vigil_no_such_database.*does not exist/)]);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it.runIf(adminUrl)("a database that comes up while Vigil waits for it: Vigil starts and serves", async () => {
    const db = await createPostgresDatabase(adminUrl ?? "");
    const direct = new URL(db.url);
    const relay = await TcpRelay.start(`http://${direct.hostname}:${direct.port || "5432"}`);
    await relay.down(); // refused, as a database still starting is
    const viaRelay = new URL(db.url);
    viaRelay.host = new URL(relay.url).host;
    const port = await freePort();
    const child = spawn(process.execPath, ["dist/server.mjs"], {
      cwd: ROOT,
      env: envOf({ ...productionEnv(port, { url: viaRelay.toString() }), DATABASE_START_TIMEOUT_SECONDS: "60" }),
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await expect.poll(() => (out.match(/database not reachable yet/g) ?? []).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      // Listening already (the port came first), not ready until the database answers.
      const early = await fetch(`http://127.0.0.1:${port}/api/ready`);
      expect(early.status).toBe(503);
      await relay.up();
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/api/ready`).catch(() => null))?.status, { timeout: 20_000 }).toBe(200);
      expect(out).toMatch(/"msg":"database reachable"/);
      const admin = api(`http://127.0.0.1:${port}`, await adminToken(`http://127.0.0.1:${port}`));
      expect((await admin("POST", "/api/v1/agents", agentInput())).status).toBe(201);
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
      await relay.stop();
      await db.drop();
    }
  });

  it("warns once, loudly, in production when nobody can sign in, /metrics is public and AUTH_URL is http", async () => {
    const port = await freePort();
    const vigil = await spawnUntilReady({
      name: "warn",
      command: process.execPath,
      args: ["dist/server.mjs"],
      options: { cwd: ROOT, env: envOf(productionEnv(port, {})) },
      ready: () => fetch(`http://127.0.0.1:${port}/api/ready`).then((r) => r.ok),
      timeoutMs: 60_000,
      pollMs: 100,
    });
    try {
      const warned = jsonLines(vigil.output()).filter((l) => /UNSAFE PRODUCTION SETTINGS/.test(l.msg));
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatchObject({ level: 40 });
      expect((warned[0]?.warnings as string[]).map((w) => w.split(":")[0])).toEqual(["OIDC_ISSUER/OIDC_CLIENT_ID", "METRICS_TOKEN", "AUTH_URL"]);
    } finally {
      await vigil.stop();
    }
  });
});

/**
 * Two containers sharing one volume both run Vigil as pid 1: each instance here runs as pid 1
 * of a PID namespace of its own (unshare, root only — CI runs as root), on one data directory.
 */
describe.runIf(process.getuid?.() === 0 && existsSync("/usr/bin/unshare"))("the embedded database's lock across containers", () => {
  const asPid1 = (name: string, env: Record<string, string>) =>
    spawnUntilReady({
      name,
      command: "unshare",
      // --kill-child: a SIGKILL to unshare takes its pid 1 (the Vigil) with it, as a container's death does.
      args: ["--pid", "--fork", "--kill-child", "--mount-proc", process.execPath, "dist/server.mjs"],
      options: { cwd: ROOT, env: envOf(env) },
      ready: () => fetch(`http://127.0.0.1:${env.PORT}/api/ready`).then((r) => r.ok),
      timeoutMs: 60_000,
      pollMs: 100,
    });

  it("a second pid 1 on the same data is refused in one line; once the first is killed, a third takes the stale lock over and finds the data", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-pid1-"));
    const firstPort = await freePort();
    const first = await asPid1("pid1-a", productionEnv(firstPort, { dataDir }));
    const firstUrl = `http://127.0.0.1:${firstPort}`;
    const agent = await api(firstUrl, await adminToken(firstUrl))("POST", "/api/v1/agents", agentInput());
    expect(agent.status).toBe(201);
    // unshare's child is the server, pid 1 in its namespace: "NSpid: <outer> 1".
    const inner = readFileSync(`/proc/${first.pid}/task/${first.pid}/children`, "utf8").trim();
    expect(readFileSync(`/proc/${inner}/status`, "utf8")).toMatch(/^NSpid:\s+\d+\s+1$/m);

    const started = performance.now();
    const second = spawnSync("unshare", ["--pid", "--fork", "--kill-child", "--mount-proc", process.execPath, "dist/server.mjs"], {
      cwd: ROOT,
      env: envOf(productionEnv(await freePort(), { dataDir })),
      encoding: "utf8",
      timeout: 60_000,
    });
    const refusedMs = Math.round(performance.now() - started);
    expect(second.status, second.stderr).toBe(1);
    expect(stderrLines(second.stderr)).toEqual([expect.stringMatching(/^Vigil failed to start: The embedded database at .* is in use by process 1 on .*; it admits one process\./)]);

    expect(await first.stop("SIGKILL")).toBeNull();
    const killedAt = performance.now();
    const thirdPort = await freePort();
    const third = await asPid1("pid1-c", productionEnv(thirdPort, { dataDir }));
    const tookOverMs = Math.round(performance.now() - killedAt);
    try {
      const thirdUrl = `http://127.0.0.1:${thirdPort}`;
      const found = await api(thirdUrl, await adminToken(thirdUrl))("GET", `/api/v1/agents/${String(agent.json.id)}`);
      expect(found.status).toBe(200);
      figure("embedded database shared by two pid-1 containers", { second_refused_ms: refusedMs, stale_lock_taken_over_and_ready_ms: tookOverMs });
    } finally {
      // unshare does not pass SIGTERM on: the server (pid 1 inside) gets it, as `docker stop` sends it.
      process.kill(Number(readFileSync(`/proc/${third.pid}/task/${third.pid}/children`, "utf8").trim()), "SIGTERM");
      expect(await third.stop()).toBe(0);
    }
  }, 120_000);
});
