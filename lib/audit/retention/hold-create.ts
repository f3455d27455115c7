import { sql } from "drizzle-orm";
import { auditLegalHolds } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";
import { commit } from "../commit";
import { parseQuery } from "../query";
import { createHoldInput, holdView } from "./holds";
import { RETENTION_LOCK } from "./lock";

/** Holds events matching a query and/or time range back from retention until released. */
export async function createHold(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "admin");
  const input = parseInput(createHoldInput, raw);
  if (input.q?.trim()) parseQuery(input.q); // a syntax error is a 400 before anything is stored
  return commit(ctx, async (tx) => {
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
    return {
      value: holdView(row),
      events: [{ kind: "audit.hold_created", outcome: "success", metadata: { hold_id: row.id, reason: row.reason, q: row.query, since: input.since ?? null, until: input.until ?? null } }],
    };
  });
}
