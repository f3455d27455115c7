import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { Agent as HttpAgent, get as httpGet, type ServerResponse } from "node:http";
import { connect, createServer, type AddressInfo } from "node:net";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startTarget } from "@/lib/testing/autoheal-target";
import { webhook, webhookRule } from "@/lib/testing/autoheal";
import { adminToken, agentInput, api } from "../support/client";
import { freePort, productionEnv, ROOT, startVigil } from "../support/vigil-process";
import { figure } from "./figures";

const DRAIN_ALERT_TOKEN = "e2e-drain-alertmanager-token-0123456789";

/** A rules file in `dir` with one webhook rule for `alertname`, sending to `targetUrl`. */
function webhookRulesFile(dir: string, alertname: string, targetUrl: string, timeoutMs: number): string {
  const file = path.join(dir, "rules.yml");
  writeFileSync(file, `rules:${webhookRule(`heal-${alertname.toLowerCase()}`, alertname, targetUrl, { cooldown: "1h", max: 100, window: "1h" }, timeoutMs)}`);
  return file;
}

/** `n` firing alerts for `alertname` (instances 0..n-1), as Alertmanager posts them. */
const sendAlerts = (baseUrl: string, alertname: string, n: number) =>
  fetch(`${baseUrl}/api/alert`, {
    method: "POST",
    headers: { authorization: `Bearer ${DRAIN_ALERT_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(webhook(Array.from({ length: n }, (_, i) => ({ labels: { alertname, instance: `host-${i}` } })))),
  });

describe("process lifecycle", () => {
  it.each([
    ["AUTH_SECRET", { AUTH_SECRET: "" }],
    ["AUTH_URL", { AUTH_URL: "" }],
    ["VIGIL_DEV_SIGNIN", { VIGIL_DEV_SIGNIN: "true" }],
    ["DATABASE_URL", { VIGIL_ALLOW_EMBEDDED_DB: "" }],
  ])("refuses to start in production without a safe %s, naming it", (variable, change) => {
    const env: NodeJS.ProcessEnv = {
      NODE_ENV: "production",
      PATH: process.env.PATH ?? "",
      ...productionEnv(1, { dataDir: mkdtempSync(path.join(tmpdir(), "vigil-refuse-")) }),
      ...change,
    };
    const run = spawnSync(process.execPath, ["dist/server.mjs"], { cwd: ROOT, env, encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${variable}:`);
  });

  it("closes the embedded database on SIGTERM and finds its data after a restart", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-restart-"));
    const first = await startVigil("restart-1", productionEnv(await freePort(), { dataDir }));
    const created = await api(first.baseUrl, await adminToken(first.baseUrl))("POST", "/api/v1/agents", agentInput());
    expect(created.status).toBe(201);
    // A second process on the same embedded database is refused, not allowed to corrupt it.
    const intruder = spawnSync(process.execPath, ["dist/server.mjs"], {
      cwd: ROOT,
      env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", ...productionEnv(await freePort(), { dataDir }) },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(intruder.status).toBe(1);
    expect(intruder.stderr).toContain("is in use by process");
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(first.output()).toMatch(/"msg":"shutting down"/);

    const second = await startVigil("restart-2", productionEnv(await freePort(), { dataDir }));
    try {
      const found = await api(second.baseUrl, await adminToken(second.baseUrl))("GET", `/api/v1/agents/${String(created.json.id)}`);
      expect(found.status).toBe(200);
      const lines = second.output().split("\n").filter((l) => l.startsWith("{"));
      const requestLine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "request");
      expect(requestLine).toMatchObject({ request_id: expect.any(String), route: expect.any(String) });
      expect(second.output()).not.toContain("e2e-bootstrap-admin-secret");
    } finally {
      await second.stop();
    }
  });

  it("refuses to start on a POLICY_DIR with a mistake, in one line naming file, line and column; starts on the shipped one with its sets read-only", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-policy-dir-"));
    const policies = mkdtempSync(path.join(tmpdir(), "vigil-policies-"));
    cpSync(path.join(ROOT, "deploy", "policies"), policies, { recursive: true });
    writeFileSync(path.join(policies, "invoices.cedar"), '// a typo on line 3\n\npermit (principal is Vigil::Agent, action, resource) when { principal.ownr == "x" };\n');
    const port = await freePort();
    const run = spawnSync(process.execPath, ["dist/server.mjs"], {
      cwd: ROOT,
      env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", ...productionEnv(port, { dataDir }), POLICY_DIR: policies },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(1);
    const said = run.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^Vigil failed to start: POLICY_DIR ${policies} refused: invoices\\.cedar:3:\\d+: .*ownr`));

    const vigil = await startVigil("policy-dir", { ...productionEnv(port, { dataDir }), POLICY_DIR: path.join(ROOT, "deploy", "policies") });
    try {
      const admin = api(vigil.baseUrl, await adminToken(vigil.baseUrl));
      const listed = await admin("GET", "/api/v1/policies");
      expect(listed.json.sets).toMatchObject([{ name: "invoices", source: "directory", version: 1, audience: "https://invoices.example.com/" }]);
      const edit = await admin("POST", "/api/v1/policies/invoices/versions", { audience: "https://invoices.example.com/", text: "", comment: "by hand" });
      expect(edit.status).toBe(409);
      expect(edit.json.detail).toMatch(/managed in POLICY_DIR/);
    } finally {
      await vigil.stop();
    }
  });

  it("exits 1 saying why in one line when it cannot listen, sends no heartbeat meanwhile, and leaves the embedded database clean", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-taken-"));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = spawnSync(process.execPath, ["dist/server.mjs"], {
        cwd: ROOT,
        env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", ...productionEnv(port, { dataDir }) },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain(`Vigil failed to start: cannot listen on 127.0.0.1:${port}: the address is already in use`);
    } finally {
      taken.close();
    }
    // Closed in order: the next start on the same data finds it clean, and the only proofs
    // of life in the log are its own.
    const next = await startVigil("after-taken", productionEnv(await freePort(), { dataDir }));
    try {
      const admin = api(next.baseUrl, await adminToken(next.baseUrl));
      await expect.poll(async () => ((await admin("GET", "/api/v1/audit?q=kind=heartbeat")).json.events as unknown[]).length).toBeGreaterThan(0);
      const beats = (await admin("GET", "/api/v1/audit?q=kind=heartbeat")).json.events as { metadata: { instance: string } }[];
      expect(new Set(beats.map((b) => b.metadata.instance)).size).toBe(1);
    } finally {
      await next.stop();
    }
  });

  it("ends on an uncaught exception: logs it, closes the embedded database and exits 1 for the supervisor to restart", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-crash-"));
    // A real uncaught exception inside the running server, on cue (a throwing signal handler).
    const crashOnCue = `--import="data:text/javascript,process.on('SIGUSR2',()=>{throw new Error('boom on cue')})"`;
    const vigil = await startVigil("crash", { ...productionEnv(await freePort(), { dataDir }), NODE_OPTIONS: crashOnCue });
    expect(await vigil.stop("SIGUSR2")).toBe(1);
    expect(vigil.output()).toMatch(/"msg":"uncaught exception"/);
    expect(vigil.output()).toContain("boom on cue");
    expect(vigil.output()).toMatch(/"msg":"shutting down"/);
    const again = await startVigil("after-crash", productionEnv(await freePort(), { dataDir }));
    expect(await again.stop()).toBe(0);
  });

  it("on SIGTERM under keep-alive load: answers what is in flight with Connection: close, lets go of every connection, exits 0", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-drain-http-"));
    const vigil = await startVigil("drain-http", productionEnv(await freePort(), { dataDir }));
    const { hostname, port } = new URL(vigil.baseUrl);
    // Clients that keep sending on their keep-alive connections until the server lets go.
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
    let served = 0;
    const health = () =>
      new Promise<void>((resolve, reject) => {
        httpGet({ host: hostname, port, path: "/api/health", agent }, (res) => {
          res.resume();
          res.on("end", () => {
            served += 1;
            resolve();
          });
        }).on("error", reject);
      });
    // Each client stops at its first refused or reset connection.
    const busy = Array.from({ length: 4 }, async () => {
      for (;;) if ((await health().then(() => true, () => false)) === false) return;
    });
    await expect.poll(() => served).toBeGreaterThan(20);
    // A request in flight when the signal comes: its body is still on the way.
    const body = "grant_type=client_credentials&client_id=vgc_nobody&client_secret=not-a-secret";
    const socket = connect(Number(port), hostname);
    await once(socket, "connect");
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    const answered = once(socket, "end");
    socket.write(`POST /api/v1/token HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    // A full round trip on another connection, begun after those bytes were written: by its
    // answer the server has read them and holds the request.
    await health();
    const exited = vigil.stop("SIGTERM");
    await expect.poll(() => vigil.output()).toMatch(/"msg":"shutting down"/);
    socket.write(body.slice(10));
    await answered;
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"error":"invalid_client"');
    expect(await exited).toBe(0);
    await Promise.all(busy);
    agent.destroy();
  });

  it("on SIGTERM lets remediations in flight finish and records them, so the next process sends nothing twice", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-drain-jobs-"));
    // The target holds every answer until the test lets go: the actions are in flight for sure.
    const held: ServerResponse[] = [];
    const target = await startTarget((_req, _n, res) => held.push(res));
    const rules = webhookRulesFile(dataDir, "DrainTest", target.url, 20_000);
    const env = { ...productionEnv(await freePort(), { dataDir }), AUTOHEAL_RULES: rules, AUTOHEAL_ALERT_TOKEN: DRAIN_ALERT_TOKEN, AUTOHEAL_DRY_RUN: "false", SHUTDOWN_DRAIN_SECONDS: "20", AUTOHEAL_RULE_CONCURRENCY: "8" };
    try {
      const vigil = await startVigil("drain-jobs", env);
      expect((await sendAlerts(vigil.baseUrl, "DrainTest", 5)).status).toBe(200);
      await expect.poll(() => target.received.length).toBe(5);
      const exited = vigil.stop("SIGTERM");
      await expect.poll(() => vigil.output()).toMatch(/letting actions in flight finish/);
      for (const res of held) res.writeHead(200).end("healed");
      const exitCode = await exited;
      expect(exitCode).toBe(0);
      // Every request named its job, each a different one.
      const keys = target.received.map((r) => r.headers["idempotency-key"]);
      expect(new Set(keys).size).toBe(5);
      for (const key of keys) expect(key).toMatch(/^vigil-autoheal-job-\d+$/);

      const next = await startVigil("drain-jobs-2", { ...env, ...productionEnv(await freePort(), { dataDir }) });
      try {
        const admin = api(next.baseUrl, await adminToken(next.baseUrl));
        const listed = (await admin("GET", "/api/v1/autoheal/actions?n=10")).json.actions as { status: string; result: string; attempts: number }[];
        expect(listed.map((a) => `${a.status}:${a.result}`)).toEqual(Array(5).fill("done:ok"));
        expect(listed.map((a) => a.attempts)).toEqual([1, 1, 1, 1, 1]);
        const recorded = (await admin("GET", `/api/v1/audit?q=${encodeURIComponent("kind=action_ok")}`)).json.events as unknown[];
        expect(recorded).toHaveLength(5);
        expect(target.received).toHaveLength(5);
        figure("SIGTERM with 5 remediations in flight", { sent: target.received.length, sent_twice: target.received.length - new Set(keys).size, recorded_ok: recorded.length, exit_code: String(exitCode) });
      } finally {
        await next.stop();
      }
    } finally {
      await target.close();
    }
  });

  it("after kill -9, the restarted instance sends what was in flight again at once (not after its lease), with the same idempotency keys", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vigil-crash-jobs-"));
    let answering = false;
    const target = await startTarget((_req, _n, res) => {
      if (answering) res.writeHead(200).end("healed");
    });
    const rules = webhookRulesFile(dataDir, "CrashTest", target.url, 60_000);
    // A lease of 10 minutes: anything sent again within this test was taken back, not waited out.
    const env = { AUTOHEAL_RULES: rules, AUTOHEAL_ALERT_TOKEN: DRAIN_ALERT_TOKEN, AUTOHEAL_DRY_RUN: "false", AUTOHEAL_LEASE_SECONDS: "600", AUTOHEAL_HEARTBEAT_SECONDS: "30" };
    try {
      const first = await startVigil("crash-jobs", { ...productionEnv(await freePort(), { dataDir }), ...env });
      expect((await sendAlerts(first.baseUrl, "CrashTest", 3)).status).toBe(200);
      await expect.poll(() => target.received.length).toBe(3);
      expect(await first.stop("SIGKILL")).toBeNull();
      const killedAt = performance.now();

      answering = true;
      const second = await startVigil("crash-jobs-2", { ...productionEnv(await freePort(), { dataDir }), ...env });
      try {
        await expect.poll(() => target.received.length, { timeout: 20_000 }).toBe(6);
        const resentMs = Math.round(performance.now() - killedAt);
        const [before, after] = [target.received.slice(0, 3), target.received.slice(3)];
        const keys = (rs: typeof before) => rs.map((r) => r.headers["idempotency-key"]).sort();
        expect(keys(after)).toEqual(keys(before));
        figure("kill -9 with 3 remediations in flight (600 s lease)", { sent_again: after.length, same_keys: keys(after).filter((k, i) => k === keys(before)[i]).length, resent_after_kill_ms: resentMs });
        expect(second.output()).toMatch(/reclaimed jobs a previous run of this instance left in flight/);
        const admin = api(second.baseUrl, await adminToken(second.baseUrl));
        await expect.poll(async () => ((await admin("GET", "/api/v1/autoheal/actions?n=10")).json.actions as { result: string }[]).map((a) => a.result)).toEqual(["ok", "ok", "ok"]);
      } finally {
        await second.stop();
      }
    } finally {
      await target.close();
    }
  });
});
