import { getLogger } from "@/lib/observability/logger";
import { processSingleton } from "@/lib/process/singleton";

/**
 * Serverless mode's replacement for LISTEN and timers. A function instance is frozen between
 * requests: a LISTEN connection dies unnoticed and an interval fires at random on thaw. So a
 * memory view registers its reload here instead, and every request first reloads the views
 * older than their bound (`ensureStarted`, which every route and console page awaits, calls
 * `refreshStaleViews` in serverless mode; so does the live hub's poll).
 * A change made on another instance is then seen by the next request that arrives a bound
 * later; this instance's own commits still apply at once (deliverLocally).
 */
type Refresher = { name: string; maxAgeMs: number; reload: () => Promise<void>; at: number; running: Promise<void> | null };

const registry = () => processSingleton("on-request-refreshers", () => new Set<Refresher>());

/** Registers a view's reload; the caller has loaded it just now. Returns the unregister. */
export function refreshOnRequest(name: string, maxAgeMs: number, reload: () => Promise<void>): () => void {
  const refresher: Refresher = { name, maxAgeMs, reload, at: Date.now(), running: null };
  registry().add(refresher);
  return () => registry().delete(refresher);
}

/**
 * Reloads every registered view older than its bound; concurrent requests share one reload
 * per view. A failed reload keeps what the view has (as a failed periodic reload does in a
 * long-lived process), is logged, and is tried again by the next request.
 */
export async function refreshStaleViews(now = Date.now()): Promise<void> {
  const due: Promise<void>[] = [];
  for (const r of registry()) {
    if (r.running) due.push(r.running);
    else if (now - r.at >= r.maxAgeMs) due.push(run(r));
  }
  if (due.length > 0) await Promise.all(due);
}

function run(r: Refresher): Promise<void> {
  const started = Date.now();
  r.running = r
    .reload()
    .then(() => {
      r.at = started;
    })
    .catch((error: unknown) => getLogger().warn({ err: error, view: r.name }, "view reload failed; serving what it holds"))
    .finally(() => {
      r.running = null;
    });
  return r.running;
}
