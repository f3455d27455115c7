import { impliedScopes, requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { activeGrant } from "../delegations/find";
import { approve } from "./approve";
import { covers } from "./grant";
import { consentableScopes } from "./policy-scopes";
import { redirectTo, validateAuthorizationRequest, type AuthorizationRequest } from "./request";

/** Durations a person may grant for, the first the default. */
export const CONSENT_DURATIONS = [3600, 86_400, 7 * 86_400, 30 * 86_400, 90 * 86_400] as const;

export type ConsentView =
  | { kind: "redirect"; to: string }
  | {
      kind: "ask";
      agent: { id: string; name: string; owner: string; description: string | null; logo_uri: string | null; homepage_uri: string | null; client_type: string; client_name?: string | null };
      redirect_host: string;
      requested: string[];
      /** Of what is asked, what the person holds: exactly what approving grants. */
      granted: string[];
      not_held: string[];
      /** Held, but a runtime policy forbids granting them to this agent. */
      policy_removed: string[];
      resources: string[];
      durations: readonly number[];
      existing_grant: { id: string; scopes: string[]; expires_at: string } | null;
      person: { label: string } | null;
    };

/**
 * What the consent page shows for an authorization request, for the signed-in person: the
 * agent, what it asks, and which of it the person holds (the intersection is what approving
 * grants). Under consent_mode once, a live grant that already covers the request skips the
 * page: the code is issued and the view is the client's redirect.
 */
export async function prepareConsent(ctx: VerbCtx, raw: Record<string, unknown>): Promise<ConsentView> {
  requireScope(ctx.actor, "delegations:write");
  const validated = await validateAuthorizationRequest(ctx.db, raw);
  if ("error" in validated) return { kind: "redirect", to: redirectTo(validated.redirectUri, { error: validated.error.error, error_description: validated.error.description, state: validated.state }) };
  const { request } = validated;
  const person = ctx.actor.person;
  const held = impliedScopes(person?.scopes ?? []);
  const { scopes: granted, removed } = person ? await consentableScopes(ctx, person, request, request.scopes.filter((s) => held.has(s))) : { scopes: request.scopes.filter((s) => held.has(s)), removed: [] };
  const existing = person ? await activeGrant(ctx.db, person, request.agent.id) : undefined;
  if (person && existing && request.agent.consentMode === "once" && granted.length > 0 && covers(existing, granted, request.resources)) {
    return { kind: "redirect", to: await approve(ctx, person, request, granted, remainingSeconds(existing.expiresAt), true) };
  }
  return {
    kind: "ask",
    agent: agentCard(request),
    redirect_host: new URL(request.redirectUri).host || new URL(request.redirectUri).protocol,
    requested: request.scopes,
    granted,
    not_held: request.scopes.filter((s) => !held.has(s)),
    policy_removed: removed,
    resources: request.resources,
    durations: CONSENT_DURATIONS,
    existing_grant: existing ? { id: existing.id, scopes: existing.scopes, expires_at: existing.expiresAt.toISOString() } : null,
    person: person ? { label: person.label } : null,
  };
}

/** Vigil's registration first; a metadata document fills what it leaves empty (its name is the client's own word, shown as such). */
function agentCard(request: AuthorizationRequest) {
  const a = request.agent;
  const d = request.document;
  return {
    id: a.id,
    name: a.name,
    owner: a.owner,
    description: a.description,
    logo_uri: a.logoUri ?? d?.logoUri ?? null,
    homepage_uri: a.homepageUri ?? d?.clientUri ?? null,
    client_type: a.clientType,
    ...(d ? { client_name: d.clientName } : {}),
  };
}

const remainingSeconds = (expiresAt: Date) => Math.max(60, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
