import { eq, sql } from "drizzle-orm";
import { delegationGrants } from "@/drizzle/schema";
import { hasScope, requireScope } from "@/lib/access/actor";
import { personId } from "@/lib/access/person";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { gateNotice } from "@/lib/identity/state-view";
import { parseWithParams } from "@/lib/validation";
import { findGrant } from "./find";
import { grantView } from "./schemas";
import { isGrantor } from "./visibility";

/**
 * Ends a grant: no exchange uses it again, and every token issued under it — including
 * tokens further down a chain — is refused at once, on every instance (the revocation view).
 */
export async function revokeDelegation(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "delegations:write");
  const { params } = parseWithParams(raw, ["id"]);
  return commit(ctx, async (tx) => {
    const grant = await findGrant(tx, params.id, true);
    // A person revokes their own; an admin anyone's. To others it does not exist.
    if (!isGrantor(ctx.actor, grant) && !hasScope(ctx.actor, "admin")) throw new NotFoundError(`No delegation with id ${params.id}.`);
    if (grant.revokedAt) throw new ConflictError("This delegation is already revoked.");
    const [row] = await tx
      .update(delegationGrants)
      .set({ revokedAt: sql`now()`, revokedBy: ctx.actor.label })
      .where(eq(delegationGrants.id, grant.id))
      .returning();
    if (!row) throw new Error("update returned no grant");
    return {
      value: grantView(row),
      events: [
        {
          kind: "delegation.revoked",
          outcome: "success",
          agentId: row.agentId,
          metadata: { delegation_id: row.id, person: personId(row.personIssuer, row.personSub), scopes: row.scopes },
        },
      ],
      notices: [gateNotice({ t: "delegation", id: row.id, status: "revoked", v: row.revokedAt?.getTime() ?? Date.now() })],
    };
  });
}
