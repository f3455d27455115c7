import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquirePgliteLock, EmbeddedDatabaseInUseError, whoAmI } from "./pglite-lock";

const dir = () => path.join(mkdtempSync(path.join(tmpdir(), "vigil-lock-")), "pglite");

/** A lock as another process left it: `who` overrides this process's identity. */
function plant(d: string, who: Partial<ReturnType<typeof whoAmI>>, heartbeatAgeMs = 0): void {
  mkdirSync(`${d}.lock`);
  writeFileSync(`${d}.lock/holder.json`, JSON.stringify({ ...whoAmI(), nonce: "someone-else", ...who }));
  writeFileSync(`${d}.lock/heartbeat`, "");
  const t = new Date(Date.now() - heartbeatAgeMs);
  utimesSync(`${d}.lock/heartbeat`, t, t);
}

const holderOf = (d: string) => JSON.parse(readFileSync(`${d}.lock/holder.json`, "utf8")) as { pid: number; nonce: string };

describe("the embedded database's one-process lock", () => {
  it("refuses at once while a live process of this PID namespace holds it, naming it", async () => {
    const d = dir();
    // The parent process (the test runner) stands for a running Vigil.
    plant(d, { pid: process.ppid });
    const started = performance.now();
    await expect(acquirePgliteLock(d)).rejects.toThrow(EmbeddedDatabaseInUseError);
    await expect(acquirePgliteLock(d)).rejects.toThrow(`in use by process ${process.ppid}`);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("takes over at once a lock of a process of this namespace that is gone, and frees it on release", async () => {
    const d = dir();
    plant(d, { pid: 2147483646 });
    const release = await acquirePgliteLock(d);
    expect(holderOf(d).nonce).toBe(whoAmI().nonce);
    release();
    expect(existsSync(`${d}.lock`)).toBe(false);
  });

  it("another container with the same pid and a live heartbeat is refused (the pid says nothing there)", async () => {
    const d = dir();
    // Same pid as ours, another PID namespace: a second container running Vigil as pid 1.
    plant(d, { pid: process.pid, pidns: "pid:[1]" });
    const beating = setInterval(() => {
      const t = new Date();
      utimesSync(`${d}.lock/heartbeat`, t, t);
    }, 100);
    try {
      await expect(acquirePgliteLock(d, { staleMs: 2000 })).rejects.toThrow(`in use by process ${process.pid}`);
    } finally {
      clearInterval(beating);
    }
    expect(holderOf(d).nonce).toBe("someone-else");
  });

  it("another container's lock whose heartbeat stopped is taken over once it has been still for the stale time", async () => {
    const d = dir();
    plant(d, { pid: process.pid, pidns: "pid:[1]" });
    const started = performance.now();
    const release = await acquirePgliteLock(d, { staleMs: 600 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
    expect(holderOf(d).nonce).toBe(whoAmI().nonce);
    release();
  });

  it("on one machine, a heartbeat already older than the stale time is taken over without waiting", async () => {
    const d = dir();
    plant(d, { pid: 1, pidns: "pid:[1]" }, 60_000);
    const started = performance.now();
    const release = await acquirePgliteLock(d, { staleMs: 10_000 });
    expect(performance.now() - started).toBeLessThan(1000);
    release();
  });

  it("two processes finding one stale lock: exactly one gets it", async () => {
    const d = dir();
    plant(d, { pid: 2147483646 });
    // The same process twice stands for two: the second sees the first's fresh lock as its own
    // earlier open, so the race is run by two children instead.
    const { spawn } = await import("node:child_process");
    const child = (i: number) =>
      new Promise<string>((resolve) => {
        const code = `import("${path.resolve(import.meta.dirname, "pglite-lock.ts")}").then(async (m) => { try { await m.acquirePgliteLock(${JSON.stringify(d)}, { staleMs: 800 }); console.log("won"); setTimeout(() => process.exit(0), 3000); } catch (e) { console.log(e.name); process.exit(0); } })`;
        const p = spawn(process.execPath, ["--import", "tsx", "-e", code], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RACE: String(i) } });
        let out = "";
        p.stdout.on("data", (c: Buffer) => (out += c.toString()));
        p.on("exit", () => resolve(out.trim()));
      });
    const results = await Promise.all([child(1), child(2)]);
    expect(results.sort()).toEqual(["EmbeddedDatabaseInUseError", "won"]);
  });

  it("reads a pid file left by an older Vigil: a live pid refuses, a dead one is taken over", async () => {
    const live = dir();
    writeFileSync(`${live}.lock`, String(process.ppid));
    await expect(acquirePgliteLock(live)).rejects.toThrow(`in use by process ${process.ppid}`);
    const dead = dir();
    writeFileSync(`${dead}.lock`, "2147483646");
    const release = await acquirePgliteLock(dead);
    expect(holderOf(dead).nonce).toBe(whoAmI().nonce);
    release();
  });

  it("a holder whose lock was taken over is told (it must stop)", async () => {
    const d = dir();
    let lost: unknown = "not yet";
    const release = await acquirePgliteLock(d, { heartbeatMs: 50, onLost: (holder) => (lost = holder) });
    writeFileSync(`${d}.lock/holder.json`, JSON.stringify({ ...whoAmI(), nonce: "the-new-holder", pid: 4242 }));
    await expect.poll(() => lost).toMatchObject({ nonce: "the-new-holder", pid: 4242 });
    release();
    // Not ours any more: release leaves the new holder's lock alone.
    expect(holderOf(d).nonce).toBe("the-new-holder");
  });
});
