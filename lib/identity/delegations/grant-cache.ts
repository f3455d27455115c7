import type { DelegationGrant } from "@/drizzle/schema";
import type { GateChange, GateStateView } from "@/lib/identity/state-view";
import { perObject } from "@/lib/process/singleton";
import { ChangeCache } from "@/lib/process/change-cache";

/**
 * Each person's active grant to each agent (or that there is none), so a token exchange does
 * not read the database for it. Grants are created and revoked rarely, and every creation or
 * revocation, on any instance, drops the whole cache; expiry is checked at each use.
 */
export class GrantCache extends ChangeCache<DelegationGrant | null> {
  constructor(view: GateStateView) {
    super();
    view.events.on("change", (change: GateChange) => {
      if (change.t === "delegation") this.drop();
    });
    view.events.on("reload", () => this.drop());
  }
}

export const grantKey = (person: { issuer: string; sub: string }, agentId: string) => `${person.issuer}\u0000${person.sub}\u0000${agentId}`;

export function grantCacheFor(view: GateStateView | undefined): GrantCache | undefined {
  return view ? perObject("grant-cache", view, (owner) => new GrantCache(owner)) : undefined;
}
