import { spawnSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { adminToken, agentInput, api } from "../support/client";
import { freePort, productionEnv, ROOT, startVigil, type VigilProcess } from "../support/vigil-process";

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

  it("runs from the container layout (standalone output + dist), as the Dockerfile assembles it", async () => {
    const app = mkdtempSync(path.join(tmpdir(), "vigil-image-"));
    // The same copies as the Dockerfile's run stage.
    cpSync(path.join(ROOT, ".next/standalone"), app, { recursive: true });
    cpSync(path.join(ROOT, ".next/static"), path.join(app, ".next/static"), { recursive: true });
    cpSync(path.join(ROOT, "public"), path.join(app, "public"), { recursive: true });
    cpSync(path.join(ROOT, "dist"), path.join(app, "dist"), { recursive: true });
    cpSync(path.join(ROOT, "drizzle/migrations"), path.join(app, "drizzle/migrations"), { recursive: true });
    let vigil: VigilProcess | undefined;
    try {
      vigil = await startVigil("image", productionEnv(await freePort(), {}), app);
      const page = await fetch(`${vigil.baseUrl}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Vigil");
      expect((await fetch(`${vigil.baseUrl}/.well-known/jwks.json`)).status).toBe(200);
      expect(vigil.output()).not.toMatch(/does not work with "output: standalone"/);
    } finally {
      await vigil?.stop();
    }
  });
});
