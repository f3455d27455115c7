import type { DelegationGrant } from "@/drizzle/schema";
import { personId } from "@/lib/access/person";
import { getConfig } from "@/lib/config";
import type { ClientCtx } from "@/lib/context";
import type { Tx } from "@/lib/db/types";
import { mintDelegated, type Minted } from "../delegations/mint";
import { OAuthError, type OAuthErrorCode } from "../oauth-error";
import { registeredResources, resolveAudience } from "../tokens/audience";
import { countIssuedIn, monthOf, recordStoredCount, reserveQuota } from "../tokens/quota";
import { storeRefreshToken } from "./refresh-tokens";

export type CodeTokenResponse = { access_token: string; token_type: "Bearer"; expires_in: number; scope: string; refresh_token: string };

/** A redemption's answer, decided inside the transaction; a refusal still commits its event. */
export type PairOutcome = { ok: CodeTokenResponse } | { refused: OAuthErrorCode; description: string };

/** What a code or a refresh token remembers of the person's consent. */
type Consented = { personIssuer: string; personSub: string; personLabel: string; resources: string[] };

export type IssuedPair = { response: CodeTokenResponse; minted: Minted; aud: string | string[]; exp: number; person: string };

/**
 * The token pair both redemptions issue: the delegated access token (`sub` the person, `act`
 * the agent), audience within the agent's registered resources and the grant's, lifetime
 * capped by the grant; and a refresh token in `familyId`. Counted against the agent's quota.
 */
export async function issuePair(tx: Tx, ctx: ClientCtx, grant: DelegationGrant, consented: Consented, scopes: string[], familyId: string): Promise<IssuedPair> {
  const { client } = ctx;
  const registered = registeredResources(client.allowedResources);
  const allowed = grant.resources.length > 0 ? registered.filter((r) => grant.resources.includes(r)) : registered;
  const aud = resolveAudience({ resource: consented.resources }, allowed);
  const exp = Math.min(Math.floor(Date.now() / 1000) + getConfig().TOKEN_TTL_SECONDS, Math.floor(grant.expiresAt.getTime() / 1000));
  const person = { issuer: consented.personIssuer, sub: consented.personSub, label: consented.personLabel };
  const minted = await mintDelegated({ person: personId(person.issuer, person.sub), clientId: client.clientId, scopes, aud, exp, act: { sub: client.agentId, client_id: client.clientId }, grantIds: [grant.id] });
  const refresh = await storeRefreshToken(tx, { familyId, clientId: client.clientId, agentId: client.agentId, grant, person, scopes, resources: consented.resources, accessJti: minted.jti, accessExp: exp });
  recordStoredCount(client.agentId, monthOf(), await countIssuedIn(tx, client.agentId));
  const response = { access_token: minted.accessToken, token_type: "Bearer" as const, expires_in: exp - minted.iat, scope: scopes.join(" "), refresh_token: refresh };
  return { response, minted, aud, exp, person: personId(person.issuer, person.sub) };
}

/**
 * Holds a quota slot while `redeem` decides; gives it back when nothing was issued (an error
 * or a refusal, whose event has committed all the same), then answers the refusal.
 */
export async function withQuotaSlot(ctx: ClientCtx, redeem: () => Promise<PairOutcome>): Promise<CodeTokenResponse> {
  const release = await reserveQuota(ctx.db, ctx.client.agentId, ctx.client.monthlyTokenQuota);
  let outcome: PairOutcome;
  try {
    outcome = await redeem();
  } catch (error) {
    release();
    throw error;
  }
  if ("refused" in outcome) {
    release();
    throw new OAuthError(outcome.refused, outcome.description);
  }
  return outcome.ok;
}
