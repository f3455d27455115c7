import { reachabilityProbe } from "@/lib/db/client";
import { isConnectFailure } from "@/lib/db/reachability";
import type { Logger } from "pino";

/**
 * At start, PostgreSQL may not be up yet (compose starts everything at once; a cluster may be
 * restarting): try with backoff for `timeoutSeconds`, logging each failed attempt with the
 * address (password masked), then give up with one line. A server that answers and refuses
 * (wrong password, no such database) is not going to change its mind: that ends it at once.
 */
export async function waitForDatabase(url: string, timeoutSeconds: number, connectSeconds: number, log: Logger): Promise<void> {
  const probe = reachabilityProbe(url, connectSeconds);
  const shown = maskedUrl(url);
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5000)) {
    try {
      await probe();
      if (attempt > 1) log.info({ database_url: shown, attempt }, "database reachable");
      return;
    } catch (error) {
      const reason = describe(error);
      if (!isConnectFailure(error)) throw new DatabaseUnreachableError(`DATABASE_URL ${shown}: the server refused the connection: ${reason}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DatabaseUnreachableError(
          `DATABASE_URL ${shown}: not reachable within DATABASE_START_TIMEOUT_SECONDS (${timeoutSeconds} s, ${attempt} attempt${attempt === 1 ? "" : "s"}); last: ${reason}`,
        );
      }
      const wait = Math.min(delay, left);
      log.warn({ database_url: shown, attempt, error: reason, retry_in_ms: wait }, "database not reachable yet; retrying");
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export class DatabaseUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnreachableError";
  }
}

/** The URL with its password (and any password parameter) replaced by ***. */
export function maskedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    for (const key of [...u.searchParams.keys()]) if (/pass/i.test(key)) u.searchParams.set(key, "***");
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === "string" ? e.message : String(error);
  return typeof e.code === "string" && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
