import { z } from "zod";
import { impliedScopes, requireScope } from "@/lib/access/actor";
import { personId } from "@/lib/access/person";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { ForbiddenError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { approve } from "./approve";
import { CONSENT_DURATIONS } from "./consent";
import { consentableScopes } from "./policy-scopes";
import { redirectTo, validateAuthorizationRequest } from "./request";

export const consentDecisionInput = z.object({
  decision: z.enum(["approve", "deny"], { message: "decision is approve or deny" }),
  duration_seconds: z.coerce
    .number()
    .int()
    .refine((d) => (CONSENT_DURATIONS as readonly number[]).includes(d), { message: `duration_seconds is one of ${CONSENT_DURATIONS.join(", ")}` })
    .default(CONSENT_DURATIONS[0]),
});

/**
 * The consent page's answer (POST /api/v1/authorize/decision, the console session with its
 * CSRF token): the authorization request is checked again from scratch — nothing the page
 * showed is trusted — then approve grants the intersection and issues a code, deny sends
 * access_denied. Both answer the client's redirect for the page to follow.
 */
export async function decideAuthorization(ctx: VerbCtx, raw: unknown): Promise<{ redirect_to: string }> {
  requireScope(ctx.actor, "delegations:write");
  const all = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const { decision: choice, duration_seconds, ...params } = all;
  const answer = parseInput(consentDecisionInput, { decision: choice, duration_seconds });
  const validated = await validateAuthorizationRequest(ctx.db, params);
  if ("error" in validated) {
    return { redirect_to: redirectTo(validated.redirectUri, { error: validated.error.error, error_description: validated.error.description, state: validated.state }) };
  }
  const { request } = validated;
  const person = ctx.actor.person;
  if (!person) throw new ForbiddenError("Only a person signed in through the organisation's provider can let an agent act for them.");
  if (answer.decision === "deny") {
    await commit(ctx, async () => ({
      value: null,
      events: [{ kind: "consent.denied", outcome: "denied", agentId: request.agent.id, clientId: request.clientId, metadata: { person: personId(person.issuer, person.sub), scopes: request.scopes } }],
    }));
    return { redirect_to: redirectTo(request.redirectUri, { error: "access_denied", error_description: "The person declined.", state: request.state }) };
  }
  const held = impliedScopes(person.scopes);
  const { scopes: granted, removed } = await consentableScopes(ctx, person, request, request.scopes.filter((s) => held.has(s)));
  if (granted.length === 0) {
    const why = removed.length > 0 ? "A runtime policy forbids granting the scopes asked for to this agent." : "The person holds none of the scopes asked for.";
    return { redirect_to: redirectTo(request.redirectUri, { error: "invalid_scope", error_description: why, state: request.state }) };
  }
  return { redirect_to: await approve(ctx, person, request, granted, answer.duration_seconds, false) };
}
