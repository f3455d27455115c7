import { sql } from "drizzle-orm";
import { delegationGrants } from "@/drizzle/schema";
import { hasScope, impliedScopes, requireScope, type Actor } from "@/lib/access/actor";
import { personId, type Person } from "@/lib/access/person";
import { commit } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { VerbCtx } from "@/lib/context";
import { ConflictError, ForbiddenError, ValidationError } from "@/lib/errors";
import { gateNotice } from "@/lib/identity/state-view";
import { parseInput } from "@/lib/validation";
import { findAgent } from "../agents/find";
import { registeredResources } from "../tokens/audience";
import { createGrantInput, grantView } from "./schemas";

type Grantor = Pick<Person, "issuer" | "sub" | "label"> & { scopes: ReadonlySet<string> | null };

/**
 * Who the grant is for. A person grants for themselves, and only what they hold; an admin
 * may grant for a person they name (whose token bounds the grant again at every exchange).
 */
function grantorOf(actor: Actor, named: { issuer: string; sub: string; label?: string | undefined } | undefined): Grantor {
  if (named) {
    const self = actor.person && actor.person.issuer === named.issuer && actor.person.sub === named.sub;
    if (!self && !hasScope(actor, "admin")) throw new ForbiddenError("Only an admin may grant on another person's behalf; leave out person to grant for yourself.", "admin");
    if (self && actor.person) return actor.person;
    return { issuer: named.issuer, sub: named.sub, label: named.label ?? named.sub, scopes: null };
  }
  if (!actor.person) {
    throw new ValidationError("Only a person can let an agent act for them: sign in to the console (or call with your provider's token), or as an admin name the person.", [
      { path: "person", message: "required when the caller is not a person" },
    ]);
  }
  return actor.person;
}

/** "Person P lets agent A act for them with at most scopes S on resources R until T." */
export async function createDelegation(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "delegations:write");
  const input = parseInput(createGrantInput, raw);
  const grantor = grantorOf(ctx.actor, input.person);
  if (grantor.scopes) {
    const held = impliedScopes(grantor.scopes);
    const lacking = input.scopes.filter((s) => !held.has(s));
    if (lacking.length > 0) throw new ForbiddenError(`You cannot delegate scopes you do not hold: ${lacking.join(", ")}.`);
  }
  return commit(ctx, async (tx) => {
    const agent = await findAgent(tx, input.agent_id, true);
    if (agent.status !== "active") throw new ConflictError(`This agent is ${agent.status}; it cannot be given a delegation.`);
    const beyondAgent = input.scopes.filter((s) => !agent.allowedScopes.includes(s));
    if (beyondAgent.length > 0) {
      throw new ValidationError(`${agent.name} may never hold ${beyondAgent.join(", ")} (its allowed scopes: ${agent.allowedScopes.join(" ") || "none"}).`, [
        { path: "scopes", message: `not among the agent's allowed scopes: ${beyondAgent.join(", ")}` },
      ]);
    }
    const registered = registeredResources(agent.allowedResources);
    const unregistered = input.resources.filter((r) => !registered.includes(r));
    if (unregistered.length > 0) {
      throw new ValidationError(`${agent.name} is not registered for ${unregistered.join(", ")} (its resources: ${registered.join(", ")}).`, [
        { path: "resources", message: `not among the agent's registered resources: ${unregistered.join(", ")}` },
      ]);
    }
    const [row] = await tx
      .insert(delegationGrants)
      .values({
        personIssuer: grantor.issuer,
        personSub: grantor.sub,
        personLabel: grantor.label,
        agentId: agent.id,
        scopes: input.scopes,
        resources: input.resources,
        maxDepth: input.max_depth ?? getConfig().DELEGATION_MAX_DEPTH,
        expiresAt: sql`now() + make_interval(secs => ${input.expires_in})`,
        createdBy: ctx.actor.label,
      })
      .returning();
    if (!row) throw new Error("insert returned no grant");
    return {
      value: grantView(row),
      events: [
        {
          kind: "delegation.granted",
          outcome: "success",
          agentId: agent.id,
          metadata: {
            delegation_id: row.id,
            person: personId(row.personIssuer, row.personSub),
            person_label: row.personLabel,
            scopes: row.scopes,
            resources: row.resources,
            max_depth: row.maxDepth,
            expires_at: row.expiresAt.toISOString(),
          },
        },
      ],
      // Every instance's grant cache forgets "no grant" for this person and agent.
      notices: [gateNotice({ t: "delegation", id: row.id, status: "active", v: row.createdAt.getTime() })],
    };
  });
}
