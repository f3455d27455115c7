import { callerType, impliedScopes } from "@/lib/access/actor";
import { personId } from "@/lib/access/person";
import { commitBatched } from "@/lib/audit/batch";
import { getConfig } from "@/lib/config";
import { countDecision, countTokenIssued } from "@/lib/observability/metrics";
import { decideScopes } from "@/lib/policy/decide";
import { OAuthError } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { registeredResources, resolveAudience } from "../tokens/audience";
import { tokenTypeOf, type TokenCtx, type TokenType } from "../tokens/binding";
import { monthOf, recordStoredCount, reserveQuota } from "../tokens/quota";
import { actChain, type ActClaim } from "../tokens/verify";
import { activeGrant } from "./find";
import { mintDelegated } from "./mint";
import { ACCEPTED_TOKEN_TYPES, checkActorToken, refuse, TOKEN_TYPE, verifySubject, type Subject } from "./subject";

export type ExchangeResponse = {
  access_token: string;
  issued_token_type: string;
  token_type: TokenType;
  expires_in: number;
  scope: string;
};

/** What may be decided before anyone is authenticated (the route's precheck runs it too). */
export function checkExchangeRequest(form: OAuthForm): void {
  for (const name of ["subject_token", "subject_token_type", "actor_token", "actor_token_type", "requested_token_type"]) oauthParam(form, name);
  if (!oauthParam(form, "subject_token")) throw new OAuthError("invalid_request", "subject_token is required: the token of the person the agent acts for.");
  const subjectType = oauthParam(form, "subject_token_type");
  if (!subjectType) throw new OAuthError("invalid_request", "subject_token_type is required.");
  if (!ACCEPTED_TOKEN_TYPES.includes(subjectType)) throw new OAuthError("invalid_request", `subject_token_type must be ${ACCEPTED_TOKEN_TYPES.join(" or ")}.`);
  const actorToken = oauthParam(form, "actor_token");
  const actorType = oauthParam(form, "actor_token_type");
  if ((actorToken === null) !== (actorType === null)) throw new OAuthError("invalid_request", "actor_token and actor_token_type go together (RFC 8693 §2.1).");
  if (actorType && !ACCEPTED_TOKEN_TYPES.includes(actorType)) throw new OAuthError("invalid_request", `actor_token_type must be ${ACCEPTED_TOKEN_TYPES.join(" or ")}.`);
  const requestedType = oauthParam(form, "requested_token_type");
  if (requestedType && !ACCEPTED_TOKEN_TYPES.includes(requestedType)) {
    throw new OAuthError("invalid_request", `requested_token_type: Vigil issues JWT access tokens (${ACCEPTED_TOKEN_TYPES.join(" or ")}).`);
  }
}

type Decided = { subject: Subject; scopes: string[]; dropped: string[]; aud: string | string[]; exp: number; grantId: string | null; act: ActClaim };

/**
 * RFC 8693 token exchange: the authenticated agent presents a person's token and gets one
 * saying "this person, through this agent" (`sub` = the person, `act` = the agent, nested
 * for chains), allowed only what all of them allow: requested ∩ the person's permissions ∩
 * the agent's allowed scopes ∩ the grant's scopes, for a resource the agent is registered
 * for and the grant covers, expiring no later than the person's token, the grant and the
 * configured TTL. Allowed only under a live delegation grant or the subject token's
 * `may_act` naming this agent. Every refusal is audited as delegation.denied.
 */
export async function exchangeToken(ctx: TokenCtx, form: OAuthForm): Promise<ExchangeResponse> {
  // no-scope: the person's grant (or may_act) authorizes an exchange, not a scope of the client.
  let subject: Subject | null = null;
  try {
    checkExchangeRequest(form);
    const actorToken = oauthParam(form, "actor_token");
    if (actorToken) await checkActorToken(ctx.db, actorToken, ctx.client.agentId);
    subject = await verifySubject(ctx.db, oauthParam(form, "subject_token") ?? "");
    const decided = await decide(ctx, form, subject);
    const response = await issue(ctx, form, decided);
    countDecision("exchange", "allow", "delegated");
    return response;
  } catch (error) {
    if (error instanceof OAuthError) {
      countDecision("exchange", "deny", callerType(ctx.actor));
      await commitBatched(ctx, {
        kind: "delegation.denied",
        outcome: "denied",
        agentId: ctx.client.agentId,
        clientId: ctx.client.clientId,
        metadata: { error: error.error, reason: error.description, ...(subject ? { person: personId(subject.person.issuer, subject.person.sub) } : {}) },
      });
    }
    throw error;
  }
}

async function decide(ctx: TokenCtx, form: OAuthForm, subject: Subject): Promise<Decided> {
  const { client } = ctx;
  const config = getConfig();
  // RFC 9449 §7: a DPoP-bound subject token is only usable by its key's holder, here as anywhere.
  if (subject.jkt && subject.jkt !== ctx.jkt) throw refuse("subject_token is bound to a DPoP key: send the exchange request with a DPoP proof signed by that key.");
  const before = actChain(subject.act);
  if (before.some((hop) => hop.sub === client.agentId)) throw refuse("This agent is already in the subject token's delegation chain.");
  const depth = before.length + 1;

  const grant = await activeGrant(ctx.db, subject.person, client.agentId);
  const mayAct = !grant && subject.mayAct && (subject.mayAct.sub === client.agentId || subject.mayAct.client_id === client.clientId);
  if (!grant && !mayAct) {
    throw new OAuthError(
      "invalid_grant",
      `${subject.person.label} has not let this agent act for them: no active delegation grant, and the subject token has no may_act naming it.`,
    );
  }
  const maxDepth = Math.min(config.DELEGATION_MAX_DEPTH, grant?.maxDepth ?? config.DELEGATION_MAX_DEPTH);
  if (depth > maxDepth) throw refuse(`The delegation chain would be ${depth} agents long; at most ${maxDepth} may act in one chain.`);

  // The intersection: never wider than the person, the agent, the grant, or the request.
  // A person with admin holds every Vigil API scope, and may delegate any of them.
  const available = [...impliedScopes(subject.scopes)].filter((s) => client.allowedScopes.includes(s) && (!grant || grant.scopes.includes(s)));
  const requested = oauthParam(form, "scope");
  const asked = requested === null ? available : [...new Set(requested.split(" ").filter(Boolean))];
  const beyond = asked.filter((s) => !available.includes(s));
  if (beyond.length > 0) {
    throw new OAuthError("invalid_scope", `Not within what the person, the agent and the grant all allow: ${beyond.join(" ")} (allowed: ${available.join(" ") || "nothing"}).`);
  }
  if (asked.length === 0) throw new OAuthError("invalid_scope", "The person, the agent and the grant have no scope in common: nothing to delegate.");

  const registered = registeredResources(client.allowedResources);
  const allowed = grant && grant.resources.length > 0 ? registered.filter((r) => grant.resources.includes(r)) : registered;
  const aud = resolveAudience(form, allowed);
  // Runtime policy (issue 15), on top of the intersection: a forbid removes scopes or refuses.
  const decided = await decideScopes("policy_exchange", { person: { ...subject.person, scopes: impliedScopes(subject.scopes) }, agentId: client.agentId, depth }, typeof aud === "string" ? [aud] : aud, asked, Boolean(ctx.jkt), ctx, ctx.actor);
  if (decided.outcome?.refused && decided.scopes.length === 0) throw new OAuthError("invalid_scope", `Refused by policy set ${decided.outcome.set} (reason: ${decided.outcome.reason}).`);
  const kept = [...decided.scopes];

  const now = Math.floor(Date.now() / 1000);
  const exp = Math.min(now + config.TOKEN_TTL_SECONDS, subject.exp, grant ? Math.floor(grant.expiresAt.getTime() / 1000) : Number.POSITIVE_INFINITY);
  if (exp <= now) throw refuse("subject_token has expired.");
  return {
    subject,
    scopes: kept,
    dropped: [...subject.scopes].filter((s) => !kept.includes(s)),
    aud,
    exp,
    grantId: grant?.id ?? null,
    act: { sub: client.agentId, client_id: client.clientId, ...(subject.act ? { act: subject.act } : {}) },
  };
}

async function issue(ctx: TokenCtx, form: OAuthForm, d: Decided): Promise<ExchangeResponse> {
  // no-scope: issues what decide() allowed under the person's grant; exchangeToken is the verb.
  const { client } = ctx;
  const release = await reserveQuota(ctx.db, client.agentId, client.monthlyTokenQuota);
  try {
    const scope = d.scopes.join(" ");
    const person = personId(d.subject.person.issuer, d.subject.person.sub);
    const grantIds = [...(d.grantId ? [d.grantId] : []), ...d.subject.grantIds];
    const { accessToken, jti, iat: now, kid } = await mintDelegated({ person, clientId: client.clientId, scopes: d.scopes, aud: d.aud, exp: d.exp, act: d.act, grantIds, jkt: ctx.jkt });
    const chain = actChain(d.act).map((hop) => `agent:${hop.sub}`);
    const month = monthOf();
    const stored = await commitBatched(
      ctx,
      {
        kind: "token.exchanged",
        outcome: "success",
        agentId: client.agentId,
        clientId: client.clientId,
        metadata: { jti, person, person_label: d.subject.person.label, chain, delegation_id: d.grantId, may_act: d.grantId === null, scope, dropped: d.dropped, aud: d.aud, exp: d.exp, kid, ...(ctx.jkt ? { jkt: ctx.jkt } : {}) },
      },
      { countToken: { agentId: client.agentId, month }, touch: { agentId: client.agentId, credentialId: client.credentialId } },
    );
    recordStoredCount(client.agentId, month, stored);
    countTokenIssued("token_exchange");
    const requestedType = oauthParam(form, "requested_token_type");
    return {
      access_token: accessToken,
      issued_token_type: requestedType === TOKEN_TYPE.jwt ? TOKEN_TYPE.jwt : TOKEN_TYPE.access_token,
      token_type: tokenTypeOf(ctx.jkt),
      expires_in: d.exp - now,
      scope,
    };
  } catch (error) {
    release();
    throw error;
  }
}
