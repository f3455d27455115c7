import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquirePgliteLock, EmbeddedDatabaseInUseError } from "./pglite-lock";

const dir = () => path.join(mkdtempSync(path.join(tmpdir(), "vigil-lock-")), "pglite");

describe("the embedded database's one-process lock", () => {
  it("refuses while a live process holds it, and frees it on release", () => {
    const d = dir();
    // The parent process (the test runner) stands for a running Vigil.
    writeFileSync(`${d}.lock`, String(process.ppid));
    expect(() => acquirePgliteLock(d)).toThrow(EmbeddedDatabaseInUseError);
    expect(() => acquirePgliteLock(d)).toThrow(`in use by process ${process.ppid}`);
  });

  it("takes over a lock left by a process that is gone", () => {
    const d = dir();
    writeFileSync(`${d}.lock`, "2147483646");
    const release = acquirePgliteLock(d);
    expect(existsSync(`${d}.lock`)).toBe(true);
    release();
    expect(existsSync(`${d}.lock`)).toBe(false);
  });
});
