import { randomUUID } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * PGlite has no server: two processes opening one data directory would corrupt it. A lock
 * directory next to it (`<dir>.lock`, created with mkdir, which is atomic) names its holder:
 * host, kernel boot, PID namespace, pid, start time and a random nonce; the holder touches
 * `<dir>.lock/heartbeat` every HEARTBEAT_MS.
 *
 * A pid alone is not enough: two containers sharing a volume both run Vigil as pid 1. So a
 * second process judges a lock by what it can see:
 *  - the holder is in its own PID namespace on the same boot: the pid is alive (refused) or
 *    not (taken over at once); a record with our own pid and another nonce is an earlier
 *    run of this container, which cannot be alive since we are that pid;
 *  - otherwise (another container, another host): it watches the heartbeat. A heartbeat that
 *    moves is a live holder (refused); one that does not move for STALE_MS — or, on the same
 *    boot (one clock), one already older than that — is a dead holder, taken over.
 * Taking over happens under a second mkdir lock, re-reading the record first, so two
 * processes finding the same stale lock cannot both win. A holder that finds its lock taken
 * (it was frozen past STALE_MS) reports it so the process stops rather than write beside the
 * new holder.
 */
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 10_000;

type Holder = { host: string; boot: string; pidns: string; pid: number; started: number; nonce: string };

export type LockOptions = {
  /** How long an unchanging heartbeat means a dead holder (tests shorten it). */
  staleMs?: number;
  heartbeatMs?: number;
  /** Called when this process finds its lock taken by another (it must stop). */
  onLost?: (holder: Holder | null) => void;
};

const NONCE = randomUUID();
const STARTED = Date.now() - Math.round(process.uptime() * 1000);

export function whoAmI(): Holder {
  return { host: hostname(), boot: readOr("/proc/sys/kernel/random/boot_id"), pidns: linkOr("/proc/self/ns/pid"), pid: process.pid, started: STARTED, nonce: NONCE };
}

/** Takes the lock (waiting up to staleMs to judge a holder it cannot check); returns its release. */
export async function acquirePgliteLock(dir: string, options: LockOptions = {}): Promise<() => void> {
  const staleMs = options.staleMs ?? STALE_MS;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const lock = `${dir}.lock`;
  const me = whoAmI();
  // Each round ends in the lock, a refusal, or a change seen (released, taken over by
  // another): bounded so that a lock that keeps changing hands is refused, not chased.
  for (let round = 0; round < 20; round++) {
    if (tryCreate(lock, me)) return hold(lock, me, heartbeatMs, options.onLost);
    const holder = readHolder(lock);
    if (holder === "legacy") {
      takeOverLegacy(lock, dir);
      continue;
    }
    const verdict = await judge(lock, holder, me, staleMs);
    if (verdict === "alive") throw new EmbeddedDatabaseInUseError(dir, holder);
    if (verdict === "stale") takeOver(lock, holder, staleMs);
  }
  throw new EmbeddedDatabaseInUseError(dir, null);
}

function tryCreate(lock: string, me: Holder): boolean {
  try {
    mkdirSync(lock, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  // The record is written whole and renamed in: a reader never sees half of it.
  writeFileSync(`${lock}/holder.json.tmp`, JSON.stringify(me), { mode: 0o600 });
  renameSync(`${lock}/holder.json.tmp`, `${lock}/holder.json`);
  closeSync(openSync(`${lock}/heartbeat`, "w", 0o600));
  return true;
}

function hold(lock: string, me: Holder, heartbeatMs: number, onLost: LockOptions["onLost"]): () => void {
  // utimes, not a write: it needs no free space, so a full disk does not silence a live holder.
  const timer = setInterval(() => {
    const now = readHolder(lock);
    if (now === null || now === "legacy" || now.nonce !== me.nonce) {
      clearInterval(timer);
      onLost?.(now === "legacy" ? null : now);
      return;
    }
    try {
      const t = new Date();
      utimesSync(`${lock}/heartbeat`, t, t);
    } catch {
      // A transient failure: the next beat tries again; a judge waits STALE_MS before deciding.
    }
  }, heartbeatMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    const now = readHolder(lock);
    if (now !== null && now !== "legacy" && now.nonce === me.nonce) rmSync(lock, { recursive: true, force: true });
  };
}

/**
 * Whether the holder lives; waits (up to staleMs) only when it cannot be checked directly.
 * "changed": the lock was released or changed hands meanwhile (look again from the start).
 */
async function judge(lock: string, holder: Holder | null, me: Holder, staleMs: number): Promise<"alive" | "stale" | "changed"> {
  if (holder === null) {
    // A lock without its record: being created this instant, or left by a process that died
    // between mkdir and writing it. Old enough (same machine's clock), it is the latter.
    const made = mtimeOf(lock);
    if (made === null) return "changed";
    if (Date.now() - made > staleMs) return "stale";
    await pause(Math.min(250, staleMs / 4));
    return "changed";
  }
  if (holder.boot !== "" && holder.pidns !== "" && holder.boot === me.boot && holder.pidns === me.pidns) {
    if (holder.nonce === me.nonce) return "stale"; // an earlier open in this very process
    if (holder.pid === me.pid) return "stale"; // an earlier run with our pid: not alive
    return alive(holder.pid) ? "alive" : "stale";
  }
  const first = mtimeOf(`${lock}/heartbeat`);
  // One clock (same boot): a heartbeat already older than staleMs is a dead holder.
  if (first !== null && holder.boot === me.boot && Date.now() - first > staleMs) return "stale";
  const deadline = Date.now() + staleMs;
  while (Date.now() < deadline) {
    await pause(Math.min(250, staleMs / 4));
    const now = readHolder(lock);
    if (now === null || now === "legacy" || now.nonce !== holder.nonce) return "changed";
    const b = mtimeOf(`${lock}/heartbeat`);
    if (b !== null && b !== first) return "alive";
  }
  return "stale";
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function takeOver(lock: string, judged: Holder | null, staleMs: number): void {
  const guard = `${lock}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another process is taking over right now (a takeover lasts milliseconds): a guard
    // older than a minute was left by one that died in the middle.
    if (Date.now() - statSync(guard).mtimeMs > 60_000) rmSync(guard, { recursive: true, force: true });
    return;
  }
  try {
    const now = readHolder(lock);
    // Only the holder that was judged dead is removed; a new one (someone else won) stays.
    const same = now === null || now === "legacy" ? now === judged : judged !== null && now.nonce === judged.nonce;
    // A record-less lock made since it was judged is someone's fresh one, being written.
    const fresh = now === null && Date.now() - (mtimeOf(lock) ?? 0) <= staleMs;
    if (same && !fresh) {
      const aside = `${lock}.stale-${randomUUID()}`;
      try {
        renameSync(lock, aside);
        rmSync(aside, { recursive: true, force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

/** Vigil before this lock kept a pid file at the same path. */
function takeOverLegacy(lock: string, dir: string): void {
  const pid = Number(readOr(lock).trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
    throw new EmbeddedDatabaseInUseError(dir, { host: hostname(), boot: "", pidns: "", pid, started: 0, nonce: "" });
  }
  rmSync(lock, { force: true });
}

function readHolder(lock: string): Holder | null | "legacy" {
  try {
    return JSON.parse(readFileSync(`${lock}/holder.json`, "utf8")) as Holder;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return "legacy";
    // Missing (being created, or half-removed) or unreadable: a holder we know nothing about.
    return null;
  }
}

function mtimeOf(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** This process's lock was taken by another (it was frozen past STALE_MS): it must stop at once. */
export class EmbeddedDatabaseLockLostError extends Error {
  constructor(dir: string, holder: Holder | null) {
    super(
      `The embedded database lock at ${dir}.lock was taken over${holder ? ` by process ${holder.pid} on ${holder.host}` : ""} ` +
        "while this process held it (it did not renew it in time); stopping without touching the data.",
    );
    this.name = "EmbeddedDatabaseLockLostError";
  }
}

export class EmbeddedDatabaseInUseError extends Error {
  constructor(dir: string, holder: Holder | null) {
    const by = holder ? ` by process ${holder.pid} on ${holder.host}${holder.started ? ` (started ${new Date(holder.started).toISOString()})` : ""}` : "";
    super(`The embedded database at ${dir} is in use${by}; it admits one process. Stop that process, or use PostgreSQL (DATABASE_URL) to run several.`);
    this.name = "EmbeddedDatabaseInUseError";
  }
}

function readOr(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function linkOr(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
