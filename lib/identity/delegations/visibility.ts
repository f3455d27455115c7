import type { DelegationGrant } from "@/drizzle/schema";
import type { Actor } from "@/lib/access/actor";

/** The person named by a grant is the actor (console session or the provider's token). */
export function isGrantor(actor: Actor, grant: Pick<DelegationGrant, "personIssuer" | "personSub">): boolean {
  return actor.person !== undefined && actor.person.issuer === grant.personIssuer && actor.person.sub === grant.personSub;
}
