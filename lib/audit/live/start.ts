import { desc } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { requireScope, type Actor } from "@/lib/gate/actor";
import { listAudit, type AuditEventView } from "../list";

export type LiveStart = { events: AuditEventView[]; resume_from: string };

/**
 * What the live page renders before its stream connects: the newest `n` events matching
 * `q`, and the id the stream must continue from (`?since_id=`) so that nothing committed
 * between this read and the connection is lost. That is the newest event shown; with none
 * shown, the log's end read *before* the list (ids are visible in commit order, so no
 * matching event at or below it can appear later). A bad `q` throws ValidationError.
 */
export async function liveStart(db: Executor, actor: Actor, input: { q?: string; n: number }): Promise<LiveStart> {
  requireScope(actor, "audit:read");
  const [head] = await db.select({ id: auditEvents.id }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  const page = await listAudit(db, actor, { q: input.q, n: input.n });
  return { events: page.events, resume_from: page.events[0]?.id ?? String(head?.id ?? 0) };
}
