import type { Person } from "@/lib/access/person";
import { getConfig } from "@/lib/config";
import type { VerbCtx } from "@/lib/context";
import { decideScopes } from "@/lib/policy/decide";
import type { AuthorizationRequest } from "./request";

/**
 * Runtime policy at consent (issue 15, `Authorize`), on top of the intersection of what is
 * asked and what the person holds: the scopes a forbid removes are neither offered on the
 * consent page nor granted by its answer. The same decision both times, so the page never
 * offers what the answer would refuse.
 */
export async function consentableScopes(ctx: VerbCtx, person: Pick<Person, "issuer" | "sub" | "scopes" | "roles" | "groups">, request: AuthorizationRequest, held: readonly string[]): Promise<{ scopes: string[]; removed: string[] }> {
  if (held.length === 0) return { scopes: [], removed: [] };
  const audiences = request.resources.length > 0 ? request.resources : [getConfig().apiAudience];
  const decided = await decideScopes("policy_authorize", { person, agentId: request.agent.id, depth: 1 }, audiences, held, Boolean(request.dpopJkt), ctx, ctx.actor);
  const scopes = [...decided.scopes];
  return { scopes, removed: held.filter((s) => !scopes.includes(s)) };
}
