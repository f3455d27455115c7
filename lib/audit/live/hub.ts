import { asc, desc, gt } from "drizzle-orm";
import { auditEvents, type AuditEventRow } from "@/drizzle/schema";
import type { DbHandle } from "@/lib/db/client";
import type { Executor } from "@/lib/db/types";
import { getConfig } from "@/lib/config";
import { listen, type Listener } from "@/lib/events/notify";
import { refreshStaleViews } from "@/lib/events/on-request";
import { sseFrame } from "@/lib/events/sse";
import { getLogger } from "@/lib/observability/logger";
import { getMetrics } from "@/lib/observability/metrics";
import { perObject, processSingleton } from "@/lib/process/singleton";
import type { MatchableEvent } from "../query/match-event";
import { toView, type AuditEventView } from "../list";
import { AUDIT_CHANNEL } from "../tail";

/** Rows per read of the tail; a burst larger than this is read in several pages. */
export const HUB_PAGE = 1000;
const RETRY_MS = 1000;
/** Serverless mode: how often the tail is read while the function streams (no LISTEN there). */
export const SERVERLESS_POLL_MS = 1000;

/** One committed event, as every subscriber receives it: viewed and framed once, shared. */
export class LiveEvent {
  readonly id: number;
  readonly view: AuditEventView;
  private encoded: Uint8Array | null = null;

  constructor(row: AuditEventRow) {
    this.id = row.id;
    this.view = toView(row);
  }

  /** The SSE frame (no `event:` field: the default "message" type, so `onmessage` sees it). */
  get frame(): Uint8Array {
    this.encoded ??= sseFrame({ id: this.view.id, data: JSON.stringify(this.view) });
    return this.encoded;
  }
}

export type HubSubscriber = {
  /** Subscribers with the same key share one filter evaluation per event (same query text). */
  filterKey: string;
  matches: (event: MatchableEvent) => boolean;
  /** Called synchronously during fan-out, in id order, never twice for one id. */
  deliver: (event: LiveEvent) => void;
  /** The hub is stopping (shutdown): the subscriber should end its stream. */
  end: () => void;
};

type Group = { matches: HubSubscriber["matches"]; members: Set<HubSubscriber> };

/**
 * The live tail of the audit log for one process and database: one LISTEN on the audit
 * channel and one reader of `id > cursor`, fanning each new row out to the subscribers whose
 * filter matches. The database is read once per batch of commits, never per subscriber.
 *
 * Correctness rests on tail.ts: ids become visible in commit order, so when the hub has read
 * up to id N, every id below N is either read or gone for good, and `id > cursor` misses
 * nothing. Notifications carry only the highest id committed; the rows are read here, which
 * is how an event written on another instance reaches this instance's subscribers.
 */
export class AuditHub {
  private readonly groups = new Map<string, Group>();
  private count = 0;
  private cursor = 0;
  private started: Promise<void> | null = null;
  private listener: Listener | null = null;
  private reading = false;
  private dirty = false;
  private retry: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly handle: DbHandle) {}

  /** Open subscriptions. */
  get size(): number {
    return this.count;
  }

  /** Highest id fanned out (or known to be past) so far. */
  get position(): number {
    return this.cursor;
  }

  /**
   * Joins the fan-out. Resolves once the hub listens; `from` is the hub's cursor at that
   * moment: the subscriber receives every matching event with a higher id, and nothing lower.
   */
  async subscribe(subscriber: HubSubscriber): Promise<{ from: number; unsubscribe: () => void }> {
    await this.start();
    if (this.stopped) throw new Error("live hub stopped");
    let group = this.groups.get(subscriber.filterKey);
    if (!group) {
      group = { matches: subscriber.matches, members: new Set() };
      this.groups.set(subscriber.filterKey, group);
    }
    group.members.add(subscriber);
    this.count += 1;
    getMetrics().sseSubscribers.inc();
    const joined = group;
    let left = false;
    const unsubscribe = () => {
      if (left) return;
      left = true;
      joined.members.delete(subscriber);
      if (joined.members.size === 0 && this.groups.get(subscriber.filterKey) === joined) this.groups.delete(subscriber.filterKey);
      this.count -= 1;
      getMetrics().sseSubscribers.dec();
    };
    return { from: this.cursor, unsubscribe };
  }

  /** Stops listening and ends every subscriber (shutdown, tests). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.poll) clearInterval(this.poll);
    for (const group of [...this.groups.values()]) for (const member of [...group.members]) member.end();
    await this.listener?.stop().catch(() => {});
    this.listener = null;
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.cursor = await maxId(this.handle.db);
      if (getConfig().serverless) {
        // A frozen function's LISTEN dies unnoticed: while it streams, it reads the tail.
        this.poll = setInterval(() => void this.tick(), SERVERLESS_POLL_MS);
        this.poll.unref();
        return;
      }
      // onConnect runs once LISTEN is in place (and after each reconnection): the read it
      // triggers covers whatever committed between maxId above and the LISTEN.
      this.listener = await listen(this.handle, AUDIT_CHANNEL, (payload) => this.heard(payload), () => this.catchUp());
    })().catch((error: unknown) => {
      this.started = null;
      throw error;
    });
    return this.started;
  }

  /**
   * Serverless mode's notification: the views first (a revocation elsewhere ends this
   * instance's streams, as LISTEN would tell it), then the tail. With nobody subscribed only
   * the cursor moves, so a new subscriber starts at the log's end, not at an old cursor.
   */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await refreshStaleViews();
      if (this.count === 0 && !this.reading) this.cursor = Math.max(this.cursor, await maxId(this.handle.db));
      else this.catchUp();
    } catch (error) {
      getLogger().warn({ err: error }, "live hub could not read the audit tail; retrying");
    }
  }

  private heard(payload: unknown): void {
    if (typeof payload !== "number" || payload <= this.cursor) return;
    if (this.count === 0 && !this.reading) {
      // Nobody to tell: skip the read. Every id up to the payload is committed or gone.
      this.cursor = payload;
      return;
    }
    this.catchUp();
  }

  /** Reads the tail now, or — when a read is running — once more after it (notifications coalesce). */
  private catchUp(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    this.reading = true;
    void this.read();
  }

  private async read(): Promise<void> {
    try {
      do {
        this.dirty = false;
        for (;;) {
          const rows = await this.handle.db.select().from(auditEvents).where(gt(auditEvents.id, this.cursor)).orderBy(asc(auditEvents.id)).limit(HUB_PAGE);
          if (this.stopped) return;
          for (const row of rows) this.fanOut(row);
          if (rows.length < HUB_PAGE) break;
        }
      } while (this.dirty);
      // Cleared in the same turn as the last dirty check: a notification arriving after it
      // finds `reading` false and starts a new read.
      this.reading = false;
    } catch (error) {
      this.reading = false;
      if (this.stopped) return;
      // A reconnection also triggers a read (onConnect); this retry covers a failed query on
      // a live connection (statement timeout, PGlite).
      getLogger().warn({ err: error }, "live hub could not read the audit tail; retrying");
      this.retry ??= setTimeout(() => {
        this.retry = null;
        this.catchUp();
      }, RETRY_MS);
      this.retry.unref();
    }
  }

  private fanOut(row: AuditEventRow): void {
    this.cursor = row.id;
    if (this.count === 0) return;
    const event = new LiveEvent(row);
    for (const group of this.groups.values()) {
      let hit: boolean;
      try {
        hit = group.matches(event.view);
      } catch (error) {
        // parseQuery only makes trees the matcher accepts; never let one filter stop the others.
        getLogger().error({ err: error }, "live filter failed");
        continue;
      }
      if (!hit) continue;
      for (const member of group.members) member.deliver(event);
    }
  }
}

async function maxId(db: Executor): Promise<number> {
  const [last] = await db.select({ id: auditEvents.id }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  return last?.id ?? 0;
}

const running = () => processSingleton("live-hubs", () => new Set<AuditHub>());

/** The process's hub for this database handle, created on first use (it starts on first subscribe). */
export function liveHub(handle: DbHandle): AuditHub {
  return perObject("audit-live-hub", handle, (h) => {
    const hub = new AuditHub(h);
    running().add(hub);
    return hub;
  });
}

/** Ends every open live stream in the process: an open stream would hold the server's close forever. */
export async function stopLiveHubs(): Promise<void> {
  const hubs = [...running()];
  running().clear();
  await Promise.all(hubs.map((hub) => hub.stop()));
}
