import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, closeSync, writeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, agentInput, api } from "../support/client";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

/** Writes zeros into `file` until the file system refuses (ENOSPC). */
function fillDisk(file: string): void {
  const chunk = Buffer.alloc(1024 * 1024);
  const fd = openSync(file, "w");
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * The embedded database's disk filling up under a running Vigil (issue 20 item 7): writes
 * are refused as "disk full" and lose nothing, readiness says not ready while they fail, and
 * both recover without a restart once space is freed. The disk is a small tmpfs this test
 * mounts (CI runs as root).
 */
describe("a full disk", () => {
  const mountPoint = mkdtempSync(path.join(tmpdir(), "vigil-full-"));
  const filler = path.join(mountPoint, "filler");
  let vigil: VigilProcess;

  beforeAll(async () => {
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=160m", "tmpfs", mountPoint], { stdio: "pipe" });
    } catch (error) {
      throw new Error(`this test mounts a small tmpfs to fill and needs root (CI runs as root): ${String((error as { stderr?: unknown }).stderr ?? error)}`);
    }
    const dataDir = path.join(mountPoint, "data");
    mkdirSync(dataDir);
    // The test writes as fast as it can: no rate limit in its way.
    vigil = await startVigil("disk-full", { ...productionEnv(await freePort(), { dataDir }), RATE_LIMIT_API_PER_IP: "0", RATE_LIMIT_API_PER_SUBJECT: "0" });
  });
  afterAll(async () => {
    await vigil?.stop();
    execFileSync("umount", [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it("refuses writes as disk full, losing nothing, reports not ready while they fail, and recovers when space is freed", async () => {
    const admin = api(vigil.baseUrl, await adminToken(vigil.baseUrl));
    const accepted: string[] = [];
    fillDisk(filler);

    // Rows still fit in pages already on disk for a while; the first write that needs more is refused.
    let refused: { input: ReturnType<typeof agentInput>; answer: Awaited<ReturnType<typeof admin>> } | undefined;
    for (let i = 0; i < 2000 && !refused; i++) {
      const input = agentInput({ name: `full-${i}` });
      const answer = await admin("POST", "/api/v1/agents", input);
      if (answer.status === 201) accepted.push(String(answer.json.id));
      else refused = { input, answer };
    }
    expect(refused?.answer.status).toBe(503);
    expect(refused?.answer.headers.get("retry-after")).toBe("30");
    expect(refused?.answer.json).toMatchObject({ status: 503, detail: expect.stringMatching(/disk is full/) });

    const ready = await fetch(`${vigil.baseUrl}/api/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: "not_ready", checks: { database: true, storage: false }, problem: expect.stringMatching(/^disk full/) });
    // Reads go on.
    expect((await admin("GET", `/api/v1/agents/${accepted[0] ?? "none"}`)).status).toBe(200);

    rmSync(filler);
    await expect.poll(async () => (await fetch(`${vigil.baseUrl}/api/ready`)).status, { timeout: 10_000 }).toBe(200);
    // The refused write left nothing behind: the same agent (same unique email) is created now, once.
    const again = await admin("POST", "/api/v1/agents", refused?.input);
    expect(again.status).toBe(201);
    const name = String(refused?.input.name);
    const events = await admin("GET", `/api/v1/audit?q=${encodeURIComponent(`kind = agent.created and meta.name = \"${name}\"`)}`);
    expect(events.status).toBe(200);
    expect((events.json.events as unknown[]).length).toBe(1);
    // Every write answered 201 is there, with its audit event.
    for (const id of accepted) {
      expect((await admin("GET", `/api/v1/agents/${id}`)).status).toBe(200);
      const own = await admin("GET", `/api/v1/audit?agentId=${id}`);
      expect((own.json.events as { kind: string }[]).map((e) => e.kind)).toEqual(["agent.created"]);
    }
  });
});
