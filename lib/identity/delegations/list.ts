import { and, desc, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { delegationGrants } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { decodeCursor, encodeCursor, keysetPage } from "@/lib/db/page";
import { ForbiddenError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { grantView } from "./schemas";

export const listGrantsInput = z.strictObject({
  agent_id: z.uuid("agent_id must be an agent's id").optional(),
  // "true": only the caller's own grants (as the person they are).
  mine: z.enum(["true", "false"]).optional(),
  active: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
});

/** Grants newest first: a person's own (`mine=true`), an agent's (`agent_id=`), or all. */
export async function listDelegations(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "delegations:read");
  const input = parseInput(listGrantsInput, raw);
  const filters: SQL[] = [];
  const person = ctx.actor.person;
  if (input.mine === "true") {
    if (!person) throw new ForbiddenError("Only a person has grants of their own; list by agent_id instead.");
    filters.push(eq(delegationGrants.personIssuer, person.issuer), eq(delegationGrants.personSub, person.sub));
  }
  if (input.agent_id) filters.push(eq(delegationGrants.agentId, input.agent_id));
  if (input.active === "true") filters.push(isNull(delegationGrants.revokedAt), gt(delegationGrants.expiresAt, sql`now()`));
  if (input.cursor) {
    const [createdAt = "", id = ""] = decodeCursor(input.cursor, "created_at", "id");
    const at = new Date(createdAt);
    if (Number.isNaN(at.getTime()) || !z.uuid().safeParse(id).success) decodeCursor("", "invalid");
    filters.push(sql`(${delegationGrants.createdAt}, ${delegationGrants.id}) < (${at.toISOString()}::timestamptz, ${id}::uuid)`);
  }
  const rows = await ctx.db
    .select()
    .from(delegationGrants)
    .where(and(...filters))
    .orderBy(desc(delegationGrants.createdAt), desc(delegationGrants.id))
    .limit(input.limit + 1);
  const page = keysetPage(rows, input.limit, (last) => encodeCursor({ created_at: last.createdAt.toISOString(), id: last.id }));
  const now = Date.now();
  return { delegations: page.items.map((r) => grantView(r, now)), next_cursor: page.next };
}
