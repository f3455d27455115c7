import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { delegationGrants, type DelegationGrant } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import { NotFoundError } from "@/lib/errors";
import { gateView } from "@/lib/identity/state-view";
import { timed } from "@/lib/observability/metrics";
import { grantCacheFor, grantKey } from "./grant-cache";

/** A grant by id (locked for update inside a transaction), or 404. */
export async function findGrant(db: Executor, id: string, forUpdate = false): Promise<DelegationGrant> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError(`No delegation with id ${JSON.stringify(id)}.`);
  const query = db.select().from(delegationGrants).where(eq(delegationGrants.id, id));
  const [row] = forUpdate ? await query.for("update") : await query;
  if (!row) throw new NotFoundError(`No delegation with id ${id}.`);
  return row;
}

/**
 * The person's newest active, unexpired grant to this agent, if any: from the grant cache
 * when the gate view runs (always, in the server), else one indexed read.
 */
export async function activeGrant(db: Executor, person: { issuer: string; sub: string }, agentId: string): Promise<DelegationGrant | undefined> {
  const cache = grantCacheFor(gateView(db));
  const grant = cache ? await cache.getOrLoad(grantKey(person, agentId), async () => (await readActiveGrant(db, person, agentId)) ?? null) : await readActiveGrant(db, person, agentId);
  // A cached grant may have expired since it was read.
  return grant && grant.expiresAt.getTime() > Date.now() ? grant : undefined;
}

/** The person's unrevoked, unexpired grants to this agent. */
export function liveGrantOf(person: { issuer: string; sub: string }, agentId: string) {
  return and(
    eq(delegationGrants.personIssuer, person.issuer),
    eq(delegationGrants.personSub, person.sub),
    eq(delegationGrants.agentId, agentId),
    isNull(delegationGrants.revokedAt),
    gt(delegationGrants.expiresAt, sql`now()`),
  );
}

async function readActiveGrant(db: Executor, person: { issuer: string; sub: string }, agentId: string): Promise<DelegationGrant | undefined> {
  const [row] = await timed("grant_lookup", () =>
    db
    .select()
    .from(delegationGrants)
    .where(liveGrantOf(person, agentId))
    .orderBy(desc(delegationGrants.createdAt))
    .limit(1),
  );
  return row;
}
