import { statfs } from "node:fs/promises";
import { isStorageFull } from "./errors";
import { processSingleton } from "@/lib/process/singleton";

/**
 * Whether the database's storage is full, as this process last saw it (issue 20 item 7). A
 * full disk fails writes while reads go on, so `select 1` would call the instance ready while
 * every write answers 503: readiness asks this instead.
 *
 * Set by any write that fails with a storage error; cleared by the next write that commits.
 * An instance out of rotation may get no writes to clear it, so while full a probe looks
 * every second: with the embedded database, at the free space of its own directory; with
 * PostgreSQL (whose disk Vigil cannot see) the runner's heartbeat, a write every
 * AUTOHEAL_HEARTBEAT_SECONDS, is the probe.
 */
type Storage = { full: { since: number } | null; dataDir?: string; probe?: NodeJS.Timeout };
const state = () => processSingleton("db-storage", (): Storage => ({ full: null }));

const PROBE_MS = 1000;
// Space the embedded database needs before writes are worth letting through again: enough
// for a WAL segment and some pages, but no more than a small share of a small volume.
const ENOUGH_FREE_BYTES = 64 * 1024 * 1024;
const ENOUGH_FREE_SHARE = 0.05;

/** The embedded database's directory, whose free space the probe reads. */
export function watchEmbeddedStorage(dataDir: string): void {
  state().dataDir = dataDir;
}

/** Since when writes have failed for lack of space, or null. */
export function storageFullSince(): number | null {
  return state().full?.since ?? null;
}

/** Wraps a write: a storage failure marks the storage full, a commit marks it writable. */
export async function trackWrite<T>(write: Promise<T>): Promise<T> {
  try {
    const value = await write;
    if (state().full) markWritable();
    return value;
  } catch (error) {
    if (isStorageFull(error)) markFull();
    throw error;
  }
}

function markFull(): void {
  const s = state();
  s.full ??= { since: Date.now() };
  if (s.dataDir && !s.probe) {
    s.probe = setInterval(() => void probe(), PROBE_MS);
    s.probe.unref();
  }
}

function markWritable(): void {
  const s = state();
  s.full = null;
  if (s.probe) clearInterval(s.probe);
  s.probe = undefined;
}

async function probe(): Promise<void> {
  const dir = state().dataDir;
  if (!dir) return;
  const fs = await statfs(dir).catch(() => null);
  if (!fs) return;
  const free = fs.bavail * fs.bsize;
  const total = fs.blocks * fs.bsize;
  // A write that fails again marks it full again, within one request.
  if (free >= Math.min(ENOUGH_FREE_BYTES, total * ENOUGH_FREE_SHARE)) markWritable();
}
