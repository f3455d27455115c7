import { desc, eq, sql } from "drizzle-orm";
import { delegationGrants, type DelegationGrant } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Tx } from "@/lib/db/types";
import type { EventDraft } from "@/lib/audit/commit";
import { personId, type Person } from "@/lib/access/person";
import { liveGrantOf } from "../delegations/find";

/**
 * Consent as a delegation grant: the person's live grant to this agent is extended (scopes
 * and resources joined, expiry pushed out to at least the chosen duration), or a new one is
 * made. The grant is what the code, its tokens and their refreshes all rest on.
 */
export async function grantForConsent(
  tx: Tx,
  person: Pick<Person, "issuer" | "sub" | "label">,
  agentId: string,
  scopes: string[],
  resources: string[],
  seconds: number,
  by: string,
): Promise<{ grant: DelegationGrant; event: EventDraft }> {
  const [existing] = await tx
    .select()
    .from(delegationGrants)
    .where(liveGrantOf(person, agentId))
    .orderBy(desc(delegationGrants.createdAt))
    .limit(1)
    .for("update");
  let grant: DelegationGrant | undefined;
  if (existing) {
    // Empty resources means any registered one: joining with "any" stays "any".
    const joinedResources = existing.resources.length === 0 || resources.length === 0 ? [] : [...new Set([...existing.resources, ...resources])];
    [grant] = await tx
      .update(delegationGrants)
      .set({
        scopes: [...new Set([...existing.scopes, ...scopes])],
        resources: joinedResources,
        expiresAt: sql`greatest(${delegationGrants.expiresAt}, now() + make_interval(secs => ${seconds}))`,
      })
      .where(eq(delegationGrants.id, existing.id))
      .returning();
  } else {
    [grant] = await tx
      .insert(delegationGrants)
      .values({
        personIssuer: person.issuer,
        personSub: person.sub,
        personLabel: person.label,
        agentId,
        scopes,
        resources,
        maxDepth: getConfig().DELEGATION_MAX_DEPTH,
        expiresAt: sql`now() + make_interval(secs => ${seconds})`,
        createdBy: by,
      })
      .returning();
  }
  if (!grant) throw new Error("grant write returned nothing");
  return {
    grant,
    event: {
      kind: "delegation.granted",
      outcome: "success",
      agentId,
      metadata: {
        delegation_id: grant.id,
        person: personId(grant.personIssuer, grant.personSub),
        person_label: grant.personLabel,
        scopes: grant.scopes,
        resources: grant.resources,
        max_depth: grant.maxDepth,
        expires_at: grant.expiresAt.toISOString(),
        via: "consent",
        extended: existing !== undefined,
      },
    },
  };
}

/** Whether a live grant already covers what is asked (consent_mode once skips the page). */
export function covers(grant: DelegationGrant, scopes: string[], resources: string[]): boolean {
  return scopes.every((s) => grant.scopes.includes(s)) && (grant.resources.length === 0 || resources.every((r) => grant.resources.includes(r)));
}
