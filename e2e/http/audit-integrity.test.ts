import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { adminToken, agentWithCredential, api, tokenFor } from "../support/client";

const root = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The offline verifier, run as an auditor would: `npm run audit:verify -- ...`. */
/**
 * Runs the offline verifier as an operator would. Asynchronously: a synchronous child would
 * stall this process's event loop for seconds, and the next fetch would then reuse a
 * keep-alive socket the server had closed meanwhile ("other side closed").
 */
function auditVerify(args: string[], token?: string) {
  return new Promise<{ status: number | null; out: string; err: string; report: Record<string, unknown> | null }>((resolve) => {
    execFile(
      path.join(root, "node_modules/.bin/tsx"),
      ["scripts/audit-verify.ts", ...args],
      { cwd: root, encoding: "utf8", env: { ...process.env, ...(token ? { VIGIL_TOKEN: token } : {}) }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ status, out: stdout, err: stderr, report: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : null });
      },
    );
  });
}

describe.each(inject("servers"))("audit integrity over HTTP on $name", ({ baseUrl }) => {
  it("seals on demand, lists signed checkpoints, and verifies online and offline", async () => {
    const token = await adminToken(baseUrl);
    const call = api(baseUrl, token);
    const agent = await agentWithCredential(baseUrl);
    await tokenFor(baseUrl, agent.clientId, agent.secret);

    const sealed = await call("POST", "/api/v1/audit/checkpoints");
    expect(sealed.status).toBe(201);
    const listed = await call("GET", "/api/v1/audit/checkpoints?n=1");
    expect(listed.status).toBe(200);
    const [newest] = listed.json.checkpoints as { seq: number; jws: string; document: { events_sha256: string } }[];
    expect(newest?.jws.split(".")).toHaveLength(3);
    expect(newest?.document.events_sha256).toMatch(/^[0-9a-f]{64}$/);

    const verified = await call("GET", "/api/v1/audit/verify");
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ ok: true, finding: null });
    expect(verified.json.checked_events as number).toBeGreaterThan(0);

    const jwks = await fetch(`${baseUrl}/api/v1/audit/jwks`); // public, no token
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);

    const dir = mkdtempSync(path.join(tmpdir(), "vigil-audit-"));
    dirs.push(dir);
    const online = await auditVerify(["--url", baseUrl, "--save", dir], token);
    expect(online.err).toBe("");
    expect(online.status).toBe(0);
    expect(online.report).toMatchObject({ ok: true, finding: null });
    expect((await auditVerify(["--dir", dir])).status).toBe(0);
    // An anchor from an earlier run pins the chain: the right one passes, another does not.
    const last = `${String(online.report?.checkpoints)}:${String(online.report?.last_hash)}`;
    expect((await auditVerify(["--dir", dir, "--anchor", last])).report).toMatchObject({ ok: true, anchored: true });
    const wrong = await auditVerify(["--dir", dir, "--anchor", `1:${"0".repeat(64)}`]);
    expect(wrong.status).toBe(1);
    expect(wrong.report?.finding).toMatchObject({ seq: 1, problem: "anchor" });

    // Offline, an export with one sealed event dropped or one changed does not verify.
    const lines = readFileSync(path.join(dir, "events.ndjson"), "utf8").trim().split("\n");
    const victim = lines.findIndex((l) => l.includes(agent.id));
    const without = lines.filter((_, i) => i !== victim);
    writeFileSync(path.join(dir, "events.ndjson"), without.join("\n"));
    const deleted = await auditVerify(["--dir", dir]);
    expect(deleted.status).toBe(1);
    expect(deleted.report?.finding).toMatchObject({ problem: "deleted", event_id: (JSON.parse(lines[victim] ?? "{}") as { id: string }).id });
    const edited = lines.map((l, i) => (i === victim ? l.replace('"outcome":"success"', '"outcome":"failure"') : l));
    expect(edited[victim]).not.toBe(lines[victim]);
    writeFileSync(path.join(dir, "events.ndjson"), edited.join("\n"));
    expect((await auditVerify(["--dir", dir])).report?.finding).toMatchObject({ problem: "digest" });
  });

  it("places and releases legal holds as admin; bad input is a 400, a reader is refused", async () => {
    const call = api(baseUrl, await adminToken(baseUrl));
    const created = await call("POST", "/api/v1/audit/holds", { reason: "incident 42", q: "kind=auth.failed", since: "2026-01-01T00:00:00Z" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ reason: "incident 42", q: "kind=auth.failed", active: true });
    const bad = await call("POST", "/api/v1/audit/holds", { reason: "incident 43", q: "kind=(" });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/position/);
    expect((await call("POST", "/api/v1/audit/holds", { reason: "x".repeat(501) })).status).toBe(400);
    expect((await call("POST", "/api/v1/audit/holds", { reason: "ok reason", extra: 1 })).status).toBe(400);

    const reader = await agentWithCredential(baseUrl, { allowed_scopes: ["audit:read"] });
    const readerCall = api(baseUrl, await tokenFor(baseUrl, reader.clientId, reader.secret, { scope: "audit:read" }));
    expect((await readerCall("GET", "/api/v1/audit/holds")).status).toBe(200);
    expect((await readerCall("POST", "/api/v1/audit/holds", { reason: "not mine to place" })).status).toBe(403);
    expect((await readerCall("POST", "/api/v1/audit/checkpoints")).status).toBe(403);

    const id = created.json.id as string;
    const released = await call("POST", `/api/v1/audit/holds/${id}/release`);
    expect(released.json).toMatchObject({ active: false });
    expect((await call("POST", `/api/v1/audit/holds/${id}/release`)).status).toBe(409);
    expect((await call("POST", "/api/v1/audit/holds/not-a-uuid/release")).status).toBe(404);
    const events = await call("GET", `/api/v1/audit?q=${encodeURIComponent(`meta.hold_id=${id}`)}`);
    expect((events.json.events as { kind: string }[]).map((e) => e.kind)).toEqual(["audit.hold_released", "audit.hold_created"]);
  });
});
