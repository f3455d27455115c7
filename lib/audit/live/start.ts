import { desc } from "drizzle-orm";
import { z } from "zod";
import { auditEvents } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";
import { auditEventsPage, type AuditEventView } from "../list";

export type LiveStart = { events: AuditEventView[]; resume_from: string };

const liveStartInput = z.strictObject({ q: z.string().max(2000, "q is at most 2000 characters").optional(), n: z.number().int().min(1).max(500), heartbeats: z.boolean().optional() });

/**
 * What the live page renders before its stream connects: the newest `n` events matching
 * `q`, and the id the stream must continue from (`?since_id=`) so that nothing committed
 * between this read and the connection is lost. That is the newest event shown; with none
 * shown, the log's end read *before* the list (ids are visible in commit order, so no
 * matching event at or below it can appear later). A bad `q` throws ValidationError.
 */
export async function liveStart(ctx: VerbCtx, raw: unknown): Promise<LiveStart> {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(liveStartInput, raw);
  const [head] = await ctx.db.select({ id: auditEvents.id }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  const page = await auditEventsPage(ctx.db, { q: input.q, n: input.n, heartbeats: input.heartbeats });
  return { events: page.events, resume_from: page.events[0]?.id ?? String(head?.id ?? 0) };
}
