import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { delegationGrants, type DelegationGrant } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { NotFoundError } from "@/lib/errors";

/** A grant by id (locked for update inside a transaction), or 404. */
export async function findGrant(db: Executor, id: string, forUpdate = false): Promise<DelegationGrant> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError(`No delegation with id ${JSON.stringify(id)}.`);
  const query = db.select().from(delegationGrants).where(eq(delegationGrants.id, id));
  const [row] = forUpdate ? await query.for("update") : await query;
  if (!row) throw new NotFoundError(`No delegation with id ${id}.`);
  return row;
}

/** The person's newest active, unexpired grant to this agent, if any (one indexed read). */
export async function activeGrant(db: Executor, person: { issuer: string; sub: string }, agentId: string): Promise<DelegationGrant | undefined> {
  const [row] = await db
    .select()
    .from(delegationGrants)
    .where(
      and(
        eq(delegationGrants.personIssuer, person.issuer),
        eq(delegationGrants.personSub, person.sub),
        eq(delegationGrants.agentId, agentId),
        isNull(delegationGrants.revokedAt),
        gt(delegationGrants.expiresAt, sql`now()`),
      ),
    )
    .orderBy(desc(delegationGrants.createdAt))
    .limit(1);
  return row;
}
