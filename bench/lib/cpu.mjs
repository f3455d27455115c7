// CPU accounting from /proc (Linux only; elsewhere it reports nothing). On a small machine
// the load generator, the server under test and PostgreSQL share the same cores, so a
// throughput number means little without knowing who was burning them.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ; fixed at 100 on every mainstream Linux build

/**
 * @param {number | string} pid a pid, or "<pid>/task/<tid>" for one thread
 * @returns {{ ppid: number, comm: string, ticks: number } | null}
 */
function readStat(pid) {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is parenthesised and may itself contain spaces or parentheses.
    const close = raw.lastIndexOf(")");
    const comm = raw.slice(raw.indexOf("(") + 1, close);
    const f = raw.slice(close + 2).split(" ");
    // After comm: state(0) ppid(1) ... utime(11) stime(12)
    return { ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

function allPids() {
  try {
    return readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/** @param {number} root @returns {number[]} root and all its descendants */
export function processTree(root) {
  const children = new Map();
  for (const pid of allPids()) {
    const s = readStat(pid);
    if (!s) continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(pid);
  }
  const out = [];
  const stack = [root];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * The thread running the event loop: when it nears 100 % the process is bound by
 * JavaScript, however idle the other cores (and libuv's pool) are.
 * @param {number} pid
 * @returns {string[]}
 */
export function mainThread(pid) {
  return [`${pid}/task/${pid}`];
}

/** @param {string} comm @returns {number[]} */
export function pidsByName(comm) {
  return allPids().filter((pid) => readStat(pid)?.comm === comm);
}

function machineBusyTicks() {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * Snapshot of CPU ticks per named group of processes. Groups are functions because their
 * members change (PostgreSQL forks a backend per connection).
 * @param {Record<string, () => (number | string)[]>} groups
 */
export function cpuSnapshot(groups) {
  /** @type {Record<string, Map<number | string, number>>} */
  const perGroup = {};
  for (const [name, pids] of Object.entries(groups)) {
    const m = new Map();
    for (const pid of pids()) {
      const s = readStat(pid);
      if (s) m.set(pid, s.ticks);
    }
    perGroup[name] = m;
  }
  return { at: performance.now(), perGroup, self: process.cpuUsage(), machine: machineBusyTicks() };
}

/**
 * CPU used between two snapshots, as a percentage of one core (200 % = both cores of a
 * 2-core box). Processes born in between count from zero; ones that died are lost.
 * @param {ReturnType<typeof cpuSnapshot>} a
 * @param {ReturnType<typeof cpuSnapshot>} b
 * @returns {Record<string, number>}
 */
export function cpuPercent(a, b) {
  const seconds = (b.at - a.at) / 1000;
  /** @type {Record<string, number>} */
  const out = {};
  for (const [name, after] of Object.entries(b.perGroup)) {
    const before = a.perGroup[name] ?? new Map();
    let ticks = 0;
    for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
    out[name] = round1((ticks / TICKS_PER_SECOND / seconds) * 100);
  }
  const selfMicros = b.self.user + b.self.system - (a.self.user + a.self.system);
  out["load generator (bench)"] = round1((selfMicros / 1e6 / seconds) * 100);
  if (a.machine && b.machine) {
    const busy = b.machine.busy - a.machine.busy;
    const total = b.machine.total - a.machine.total;
    // /proc/stat counts every core, so scale to "percent of one core" like the others.
    const cores = total / TICKS_PER_SECOND / seconds;
    out["machine total"] = round1(total > 0 ? (busy / total) * cores * 100 : 0);
  }
  return out;
}

const round1 = (/** @type {number} */ n) => Math.round(n * 10) / 10;

/**
 * Waits (bounded) until the machine is close to idle, so a run does not start in the middle
 * of someone else's build. Returns the busy percentage seen last and how long it waited.
 * @param {{ thresholdPercent?: number, maxWaitMs?: number }} [opts]
 */
export async function waitForQuietMachine({ thresholdPercent = 30, maxWaitMs = 60_000 } = {}) {
  const start = performance.now();
  let busy = NaN;
  for (;;) {
    const a = machineBusyTicks();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineBusyTicks();
    if (!a || !b) return { busyPercent: NaN, waitedMs: 0 };
    const total = b.total - a.total;
    const cores = total / TICKS_PER_SECOND;
    busy = total > 0 ? round1(((b.busy - a.busy) / total) * cores * 100) : 0;
    const waitedMs = Math.round(performance.now() - start);
    if (busy <= thresholdPercent || waitedMs >= maxWaitMs) return { busyPercent: busy, waitedMs };
  }
}

/**
 * Scheduler statistics of one thread: time on a CPU and time runnable but waiting for one.
 * A main thread that runs 50 % and waits 40 % is CPU-bound even though "CPU%" says 50.
 * @param {number | string} pid a pid or "<pid>/task/<tid>"
 * @returns {{ at: number, runNs: number, waitNs: number } | null}
 */
export function schedSnapshot(pid) {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(/\s+/).map(Number);
    return { at: performance.now(), runNs: run, waitNs: wait };
  } catch {
    return null;
  }
}

/**
 * @param {ReturnType<typeof schedSnapshot>} a
 * @param {ReturnType<typeof schedSnapshot>} b
 * @returns {{ runPercent: number, waitPercent: number } | null}
 */
export function schedPercent(a, b) {
  if (!a || !b) return null;
  const ns = (b.at - a.at) * 1e6;
  return { runPercent: round1(((b.runNs - a.runNs) / ns) * 100), waitPercent: round1(((b.waitNs - a.waitNs) / ns) * 100) };
}
