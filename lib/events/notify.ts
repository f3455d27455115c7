import { sql } from "drizzle-orm";
import type { DbHandle } from "@/lib/db/client";
import type { Executor } from "@/lib/db/types";

/**
 * NOTIFY inside the caller's transaction: PostgreSQL delivers it only if (and when) the
 * transaction commits, so listeners never hear of a change that was rolled back.
 * Payloads stay small (ids, never rows): the limit is 8000 bytes.
 */
export async function notify(db: Executor, channel: string, payload: unknown): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${JSON.stringify(payload)})`);
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
