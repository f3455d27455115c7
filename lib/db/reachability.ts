import { processSingleton } from "@/lib/process/singleton";

/**
 * Whether PostgreSQL can be reached, as this process last saw it (issue 20 item 5: fail fast).
 * When a connection cannot be opened, every request would otherwise wait out the connect
 * timeout on its own (and some twice); once one has, the database is marked down and requests
 * that need it are answered 503 at once, while a probe on a connection of its own (a short
 * connect timeout, one every PROBE_INTERVAL_MS) watches for its return — so recovery is seen
 * within about a second, not at the next request's timeout. The validator, probes, discovery
 * and keys are served from memory and never refused here.
 *
 * Only failures to connect mark it down: a connection closed under a query (a restart, a
 * proxy's idle cut) is followed by a fresh connection that may well succeed. The embedded
 * database has no connections and no probe, so it is never marked down.
 */
type Reach = { downSince: number | null; probe?: () => Promise<void>; timer?: NodeJS.Timeout };
const state = () => processSingleton("db-reach", (): Reach => ({ downSince: null }));

const PROBE_INTERVAL_MS = 250;

// Errors of a connection that could not be opened: refused, unreachable, unresolvable, no
// answer in time, or a server that says it is starting or stopping.
const CONNECT_CODES = new Set(["CONNECT_TIMEOUT", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "57P03", "57P01"]);

/** A refusal before any query: the database is known to be down. */
export class DatabaseDownError extends Error {
  readonly code = "DATABASE_DOWN";
  constructor(since: number) {
    super(`The database has been unreachable since ${new Date(since).toISOString()}; try again shortly.`);
    this.name = "DatabaseDownError";
  }
}

/** The probe: a `select 1` on a connection of its own, bounded; rejects when unreachable. */
export function setReachabilityProbe(probe: (() => Promise<void>) | undefined): void {
  state().probe = probe;
}

export function databaseDownSince(): number | null {
  return state().downSince;
}

/** Throws DatabaseDownError when the database is known to be down. */
export function assertDatabaseReachable(): void {
  const since = state().downSince;
  if (since !== null) throw new DatabaseDownError(since);
}

/** Marks the database down when `error` is a failure to connect (and a probe is configured). */
export function noteDatabaseError(error: unknown): void {
  const s = state();
  if (!s.probe || s.downSince !== null || !isConnectFailure(error)) return;
  s.downSince = Date.now();
  schedule();
}

function schedule(): void {
  const s = state();
  s.timer = setTimeout(() => {
    void s.probe?.().then(
      () => {
        s.downSince = null;
        s.timer = undefined;
      },
      () => schedule(),
    );
  }, PROBE_INTERVAL_MS);
  s.timer.unref();
}

/** Whether `error` (or its cause) is a failure to open a connection, as opposed to a refusal by the server. */
export function isConnectFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Stops probing (shutdown, tests). */
export function stopReachability(): void {
  const s = state();
  if (s.timer) clearTimeout(s.timer);
  s.timer = undefined;
  s.downSince = null;
}
