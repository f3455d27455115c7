import { performance, type EventLoopUtilization } from "node:perf_hooks";
import { getLogger } from "@/lib/observability/logger";
import { processSingleton } from "@/lib/process/singleton";

/**
 * The embedded database's limit under alerts (issue 18 §6, `npm run bench -- alerts-embedded`).
 * PGlite runs inside this process, one statement at a time, so intake, the runner's jobs and
 * every other write share the server's one thread. On the 2-core reference machine it answers
 * webhooks within 250 ms up to about 40 alerts/s (p99 18 ms at 25/s, 222 ms at 40/s) and falls
 * behind past it (p99 22 s at 100/s, where PostgreSQL answers in 79 ms).
 *
 * Past the limit, webhooks queue in the socket before Vigil reads them, so the time an intake
 * takes once read does not show it; a thread busy all the time while alerts arrive does.
 */
export const EMBEDDED_ALERTS_PER_SECOND = 40;
/** Busy share of the event loop over a window that says "saturated". */
export const SATURATED = 0.9;
const WINDOW_MS = 2000;
// Said once a minute at most: a burst must not turn into a log storm of its own.
const WARN_EVERY_MS = 60_000;

type Watch = { since: EventLoopUtilization | null; sinceAt: number; lastWarned: number };
const slot = () => processSingleton("embedded-intake-watch", (): Watch => ({ since: null, sinceAt: 0, lastWarned: Number.NEGATIVE_INFINITY }));

/** The warning's text: what happened, the limit, and the way out. */
export function embeddedIntakeWarning(busy: number, seconds: number): string {
  return (
    `the embedded database is not keeping up with alerts: the server was busy ${Math.round(busy * 100)} % of the last ${seconds} s ` +
    `while taking them, and webhooks wait before they are read. PGlite runs inside this process and keeps up with about ` +
    `${EMBEDDED_ALERTS_PER_SECOND} alerts/s on 2 cores; for more, set DATABASE_URL to PostgreSQL (README, "Speed")`
  );
}

/**
 * Called after each intake on the embedded database. Every WINDOW_MS it looks at how busy
 * the event loop was since the last look; saturated, it warns (at most once a minute).
 * Returns whether it warned. `utilization` is injectable for tests.
 */
export function noteEmbeddedIntake(now = Date.now(), utilization: (since?: EventLoopUtilization) => EventLoopUtilization = (since) => performance.eventLoopUtilization(since)): boolean {
  const w = slot();
  if (!w.since) {
    w.since = utilization();
    w.sinceAt = now;
    return false;
  }
  if (now - w.sinceAt < WINDOW_MS) return false;
  const busy = utilization(w.since).utilization;
  const seconds = Math.round((now - w.sinceAt) / 1000);
  w.since = utilization();
  w.sinceAt = now;
  if (busy < SATURATED || now - w.lastWarned < WARN_EVERY_MS) return false;
  w.lastWarned = now;
  getLogger().warn({ busy: Number(busy.toFixed(2)), window_s: seconds, limit_alerts_per_second: EMBEDDED_ALERTS_PER_SECOND }, embeddedIntakeWarning(busy, seconds));
  return true;
}

/** Tests: start over. */
export function resetEmbeddedIntakeWatch(): void {
  const w = slot();
  w.since = null;
  w.lastWarned = Number.NEGATIVE_INFINITY;
}
