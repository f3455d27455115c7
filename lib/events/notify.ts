import { EventEmitter } from "node:events";
import { sql } from "drizzle-orm";
import type { DbHandle } from "@/lib/db/client";
import type { Db, Executor } from "@/lib/db/types";
import { getConfig } from "@/lib/config";
import { perObject } from "@/lib/process/singleton";
import { refreshOnRequest } from "./on-request";

/** A message for every instance listening on `channel`, sent when (and if) a change commits. */
export type Notice = { channel: string; payload: unknown };

/**
 * NOTIFY inside the caller's transaction: PostgreSQL delivers it only if (and when) the
 * transaction commits, so listeners never hear of a change that was rolled back.
 * Payloads stay small (ids, never rows): the limit is 8000 bytes.
 */
export async function publish(tx: Executor, notice: Notice): Promise<void> {
  await tx.execute(sql`select pg_notify(${notice.channel}, ${JSON.stringify(notice.payload)})`);
}

const localBus = (db: Db) => perObject("local-notices", db, () => new EventEmitter().setMaxListeners(0));

/**
 * After a commit, this instance hears its own notices at once instead of waiting for its
 * LISTEN connection to hand them back (a revocation answered 200 must hold for the very
 * next request). The notification still arrives later; listeners must be idempotent.
 */
export function deliverLocally(db: Db, notice: Notice): void {
  localBus(db).emit(notice.channel, notice.payload);
}

/** Subscribes to this instance's own committed notices on a channel (see deliverLocally). */
export function onLocalNotice(db: Db, channel: string, onMessage: (payload: unknown) => void): () => void {
  const bus = localBus(db);
  bus.on(channel, onMessage);
  return () => bus.off(channel, onMessage);
}

export type Listener = { stop: () => Promise<void> };

/**
 * LISTEN on either driver. `onConnect` runs on the first connection and after every
 * reconnection (postgres.js re-listens by itself), so a subscriber can reload what it may
 * have missed while disconnected.
 */
export async function listen(
  handle: DbHandle,
  channel: string,
  onMessage: (payload: unknown) => void,
  onConnect: () => void,
): Promise<Listener> {
  const deliver = (raw: string) => {
    try {
      onMessage(JSON.parse(raw));
    } catch {
      // A malformed payload is not ours to act on.
    }
  };
  if (handle.kind === "postgres" && handle.sql) {
    const request = await handle.sql.listen(channel, deliver, onConnect);
    return { stop: () => request.unlisten() };
  }
  if (handle.pglite) {
    const unlisten = await handle.pglite.listen(channel, deliver);
    onConnect();
    return { stop: () => unlisten() };
  }
  throw new Error("database handle has no driver to listen on");
}

/** How old a followed view may be when a request uses it in serverless mode. */
export const SERVERLESS_VIEW_MAX_AGE_MS = 1000;

/**
 * A memory view kept in step with a channel: this instance's own committed notices at once,
 * other instances' through LISTEN, a full `reload` after every (re)connection (notices sent
 * while disconnected are lost) and every `reloadEveryMs` (anything else missed). The caller
 * loads once before following, so a failure to start is its own; later reload failures go to
 * `onReloadError` and the view keeps what it has.
 *
 * In serverless mode there is no LISTEN and no timer: the view is reloaded by the first
 * request that finds it older than SERVERLESS_VIEW_MAX_AGE_MS (on-request.ts).
 */
export async function follow(
  handle: DbHandle,
  channel: string,
  opts: { apply: (payload: unknown) => void; reload: () => Promise<void>; reloadEveryMs: number; onReloadError: (error: unknown) => void },
): Promise<Listener> {
  const reload = () => void opts.reload().catch(opts.onReloadError);
  const stopLocal = onLocalNotice(handle.db, channel, opts.apply);
  if (getConfig().serverless) {
    const unregister = refreshOnRequest(channel, SERVERLESS_VIEW_MAX_AGE_MS, opts.reload);
    return {
      stop: async () => {
        unregister();
        stopLocal();
      },
    };
  }
  const listener = await listen(handle, channel, opts.apply, reload);
  const timer = setInterval(reload, opts.reloadEveryMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      stopLocal();
      await listener.stop().catch(() => {});
    },
  };
}
