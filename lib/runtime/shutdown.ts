import { stopLiveHubs } from "@/lib/audit/live/hub";
import { closeDb } from "@/lib/db/client";
import { closeReplayCache } from "@/lib/identity/replay/open";
import { getLogger } from "@/lib/observability/logger";
import { stopRuntime } from "./start";
import { processSingleton } from "@/lib/process/singleton";

const slot = () => processSingleton("shutdown", () => ({ installed: false }));

/**
 * Closes the database on SIGTERM/SIGINT. PGlite must be closed cleanly or its data
 * directory needs recovery at the next start. `beforeExit` lets the caller close its
 * HTTP server first. Installed once per process.
 */
export function installShutdown(beforeExit?: () => Promise<void>): void {
  const s = slot();
  if (s.installed) return;
  s.installed = true;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    getLogger().info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void (async () => {
      try {
        const closing = beforeExit?.();
        // Open live streams never end by themselves and would hold the server's close.
        await stopLiveHubs();
        await closing;
        await stopRuntime();
        // Claims in flight settle (and Redis closes) while the database is still open.
        await closeReplayCache();
        await closeDb();
      } finally {
        process.exit(0);
      }
    })();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
