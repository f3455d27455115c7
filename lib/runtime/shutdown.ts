import { stopLiveHubs } from "@/lib/audit/live/hub";
import { getConfig } from "@/lib/config";
import { closeDb } from "@/lib/db/client";
import { closeReplayCache } from "@/lib/identity/replay/open";
import { getLogger } from "@/lib/observability/logger";
import { setListening } from "@/lib/process/serving";
import { stopRuntime } from "./start";
import { processSingleton } from "@/lib/process/singleton";

type Slot = { installed: boolean; stopping: boolean; beforeExit?: () => Promise<void> };
const slot = () => processSingleton("shutdown", (): Slot => ({ installed: false, stopping: false }));

/**
 * Closes the database on SIGTERM/SIGINT. PGlite must be closed cleanly or its data
 * directory needs recovery at the next start. `beforeExit` lets the caller close its
 * HTTP server first. Installed once per process.
 */
export function installShutdown(beforeExit?: () => Promise<void>): void {
  const s = slot();
  if (s.installed) return;
  s.installed = true;
  if (beforeExit) s.beforeExit = beforeExit;
  process.on("SIGTERM", (signal) => shutDown(`signal ${signal}`, 0));
  process.on("SIGINT", (signal) => shutDown(`signal ${signal}`, 0));
}

/**
 * Stops the process in order — server (no new connections; requests in flight answered with
 * `Connection: close`), live streams, runner (no new claims; actions in flight finish within
 * SHUTDOWN_DRAIN_SECONDS and their outcome is recorded), replay cache, database — then exits
 * with `code`; 2 s past the drain it exits 1 whatever is still open. Once: a second call
 * (another signal, a crash during the first) changes nothing.
 */
export function shutDown(reason: string, code: number): void {
  const s = slot();
  if (s.stopping) return;
  s.stopping = true;
  setListening(false);
  const drainMs = getConfig().SHUTDOWN_DRAIN_SECONDS * 1000;
  getLogger().info({ reason, drain_ms: drainMs }, "shutting down");
  // Past the drain, two seconds to close the database; then out, whatever is still open.
  const force = setTimeout(() => {
    getLogger().error({ reason }, "shutdown did not finish in time; exiting");
    process.exit(1);
  }, drainMs + 2000);
  force.unref();
  void (async () => {
    try {
      const closing = s.beforeExit?.();
      // Open live streams never end by themselves and would hold the server's close.
      await stopLiveHubs();
      // Requests and remediations in flight finish side by side, each within the drain.
      await Promise.all([closing, stopRuntime(drainMs)]);
      // Claims in flight settle (and Redis closes) while the database is still open.
      await closeReplayCache();
      await closeDb();
    } finally {
      process.exit(code);
    }
  })();
}

/**
 * An uncaught exception leaves the process in a state nobody planned for: log it, stop in
 * order (so the embedded database closes cleanly) and exit 1, for the supervisor to
 * restart. Next's own handler only logs, which left a process running jobs and heartbeats
 * while serving nothing. An unhandled rejection is the same (Node's default, which Next's
 * handler also replaces).
 */
export function installCrashHandlers(): void {
  const crash = (kind: string) => (error: unknown) => {
    getLogger().fatal({ err: error }, kind);
    // Another process holds the embedded database now: closing it here would write beside
    // that process. Out at once; the data is as a crash would leave it, which PGlite recovers.
    if (error instanceof Error && error.name === "EmbeddedDatabaseLockLostError") process.exit(1);
    shutDown(kind, 1);
  };
  process.on("uncaughtException", crash("uncaught exception"));
  process.on("unhandledRejection", crash("unhandled promise rejection"));
}
