import { and, gte, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents, auditLegalHolds, type AuditLegalHoldRow } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { compileQuery, parseQuery } from "../query";
import { rfc3339 } from "../inputs";

export const createHoldInput = z
  .object({
    reason: z.string().trim().min(3, "reason says why the events are held (at least 3 characters)").max(500),
    q: z.string().max(2000, "q is at most 2000 characters").optional(),
    since: rfc3339("since"),
    until: rfc3339("until"),
  })
  .strict()
  .refine((h) => !h.since || !h.until || Date.parse(h.since) <= Date.parse(h.until), { message: "since must not be after until", path: ["since"] });

export function holdView(row: AuditLegalHoldRow) {
  return {
    id: row.id,
    reason: row.reason,
    q: row.query,
    since: row.since?.toISOString() ?? null,
    until: row.until?.toISOString() ?? null,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    released_by: row.releasedBy,
    released_at: row.releasedAt?.toISOString() ?? null,
    active: row.releasedAt === null,
  };
}

/** The events one hold covers, as SQL (the query compiles like any audit query). */
function holdCondition(hold: Pick<AuditLegalHoldRow, "query" | "since" | "until">): SQL {
  const parts: SQL[] = [];
  if (hold.since) parts.push(gte(auditEvents.ts, hold.since));
  if (hold.until) parts.push(lte(auditEvents.ts, hold.until));
  if (hold.query?.trim()) parts.push(compileQuery(parseQuery(hold.query)));
  return parts.length > 0 ? (and(...parts) ?? sql`true`) : sql`true`;
}

/** Events under any active hold, or null when nothing is held. */
export async function heldCondition(db: Executor): Promise<SQL | null> {
  const holds = await db.select().from(auditLegalHolds).where(isNull(auditLegalHolds.releasedAt));
  if (holds.length === 0) return null;
  return or(...holds.map(holdCondition)) ?? null;
}
