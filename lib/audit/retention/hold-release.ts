import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { auditLegalHolds } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { parseWithParams } from "@/lib/validation";
import { commit } from "../commit";
import { holdView } from "./holds";

/** Lets retention remove the held events again (at its next run). */
export async function releaseHold(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "admin");
  const { params } = parseWithParams(raw, ["id"]);
  if (!z.uuid().safeParse(params.id).success) throw new NotFoundError("No such legal hold.");
  return commit(ctx, async (tx) => {
    const [existing] = await tx.select().from(auditLegalHolds).where(eq(auditLegalHolds.id, params.id)).for("update");
    if (!existing) throw new NotFoundError("No such legal hold.");
    if (existing.releasedAt) throw new ConflictError("This legal hold is already released.");
    const [row] = await tx
      .update(auditLegalHolds)
      .set({ releasedAt: sql`now()`, releasedBy: ctx.actor.label })
      .where(eq(auditLegalHolds.id, params.id))
      .returning();
    if (!row) throw new Error("update returned no hold");
    return { value: holdView(row), events: [{ kind: "audit.hold_released", outcome: "success", metadata: { hold_id: row.id, reason: row.reason } }] };
  });
}
