import { and, asc, gte, lte, max } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { toView, type AuditEventView } from "../list";

const PAGE = 2000;

/** Events with first <= id <= last, in id order, a page at a time (never the whole range). */
export async function* eventsInRange(db: Executor, first: number, last: number): AsyncGenerator<AuditEventView> {
  let from = first;
  while (from <= last) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(gte(auditEvents.id, from), lte(auditEvents.id, last)))
      .orderBy(asc(auditEvents.id))
      .limit(PAGE);
    for (const row of rows) yield toView(row);
    const tail = rows.at(-1);
    if (!tail || rows.length < PAGE) return;
    from = tail.id + 1;
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
