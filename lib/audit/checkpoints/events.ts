import { and, asc, gte, lte, max, min } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { toView, type AuditEventView } from "../list";

const WINDOW = 2000;

/**
 * Events with first <= id <= last, in id order, a window of ids at a time (never the whole
 * range). Windows of ids, not pages of rows: the key is (id, ts), so a forged second row
 * with an existing id must come out next to the first one, where the check sees it, rather
 * than fall between two pages. Long runs of missing ids are skipped in one step.
 */
export async function* eventsInRange(db: Executor, first: number, last: number): AsyncGenerator<AuditEventView> {
  let from = first;
  while (from <= last) {
    const to = Math.min(last, from + WINDOW - 1);
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(gte(auditEvents.id, from), lte(auditEvents.id, to)))
      .orderBy(asc(auditEvents.id), asc(auditEvents.ts));
    for (const row of rows) yield toView(row);
    from = to + 1;
    if (rows.length === 0 && from <= last) {
      const [next] = await db.select({ id: min(auditEvents.id) }).from(auditEvents).where(and(gte(auditEvents.id, from), lte(auditEvents.id, last)));
      if (next?.id === null || next?.id === undefined) return;
      from = Number(next.id);
    }
  }
}

/**
 * The highest committed id. Because the tail is appended in commit order (../tail.ts), every
 * id at or below it is final: committed, or rolled back and never coming.
 */
export async function highestId(db: Executor): Promise<number> {
  const [row] = await db.select({ id: max(auditEvents.id) }).from(auditEvents);
  return Number(row?.id ?? 0);
}

/** The id of the `n`-th event from `first` on (to size a checkpoint by events, not ids). */
export async function nthIdFrom(db: Executor, first: number, n: number): Promise<number | null> {
  const [row] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(gte(auditEvents.id, first))
    .orderBy(asc(auditEvents.id))
    .offset(n - 1)
    .limit(1);
  return row ? Number(row.id) : null;
}

