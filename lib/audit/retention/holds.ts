import { and, desc, eq, gte, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents, auditLegalHolds, type AuditLegalHoldRow } from "@/drizzle/schema";
import { auditOrigin, type VerbCtx } from "@/lib/context";
import { inTransaction } from "@/lib/db/transaction";
import type { Executor } from "@/lib/db/types";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { requireScope } from "@/lib/gate/actor";
import { parseInput } from "@/lib/validation";
import { appendAudit } from "../append";
import { compileQuery, parseQuery } from "../query";
import { rfc3339 } from "../inputs";
import { RETENTION_LOCK } from "./lock";

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

export async function createHold(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "admin");
  const input = parseInput(createHoldInput, raw);
  if (input.q?.trim()) parseQuery(input.q); // a syntax error is a 400 before anything is stored
  return inTransaction(ctx.db, async (tx) => {
    // A retention run reads the holds once; wait for one in progress to finish, so a hold
    // that has been answered 201 is one every later run sees.
    await tx.execute(sql`select pg_advisory_xact_lock_shared(${RETENTION_LOCK})`);
    const [row] = await tx
      .insert(auditLegalHolds)
      .values({
        reason: input.reason,
        query: input.q?.trim() || null,
        since: input.since ? new Date(input.since) : null,
        until: input.until ? new Date(input.until) : null,
        createdBy: ctx.actor.label,
      })
      .returning();
    if (!row) throw new Error("insert returned no hold");
    await appendAudit(tx, { ...auditOrigin(ctx), kind: "audit.hold_created", outcome: "success", metadata: { hold_id: row.id, reason: row.reason, q: row.query, since: input.since ?? null, until: input.until ?? null } });
    return holdView(row);
  });
}

export async function listHolds(ctx: VerbCtx) {
  requireScope(ctx.actor, "audit:read");
  const rows = await ctx.db.select().from(auditLegalHolds).orderBy(desc(auditLegalHolds.createdAt)).limit(1000);
  return { holds: rows.map(holdView) };
}

export async function releaseHold(ctx: VerbCtx, id: string) {
  requireScope(ctx.actor, "admin");
  if (!z.uuid().safeParse(id).success) throw new NotFoundError("No such legal hold.");
  return inTransaction(ctx.db, async (tx) => {
    const [existing] = await tx.select().from(auditLegalHolds).where(eq(auditLegalHolds.id, id)).for("update");
    if (!existing) throw new NotFoundError("No such legal hold.");
    if (existing.releasedAt) throw new ConflictError("This legal hold is already released.");
    const [row] = await tx
      .update(auditLegalHolds)
      .set({ releasedAt: sql`now()`, releasedBy: ctx.actor.label })
      .where(eq(auditLegalHolds.id, id))
      .returning();
    if (!row) throw new Error("update returned no hold");
    await appendAudit(tx, { ...auditOrigin(ctx), kind: "audit.hold_released", outcome: "success", metadata: { hold_id: row.id, reason: row.reason } });
    return holdView(row);
  });
}
