import { refreshTokens, type DelegationGrant, type NewRefreshToken } from "@/drizzle/schema";
import { personId } from "@/lib/access/person";
import { getConfig } from "@/lib/config";
import { countTokenIssued } from "@/lib/observability/metrics";
import type { ClientCtx } from "@/lib/context";
import { tokenTypeOf, type TokenCtx, type TokenType } from "../tokens/binding";
import type { Tx } from "@/lib/db/types";
import { mintDelegated, type Minted } from "../delegations/mint";
import { OAuthError, type OAuthErrorCode } from "../oauth-error";
import { registeredResources, resolveAudience } from "../tokens/audience";
import { countIssuedIn, monthOf, recordStoredCount, reserveQuota } from "../tokens/quota";
import { newRefreshRow } from "./refresh-tokens";

export type CodeTokenResponse = { access_token: string; token_type: TokenType; expires_in: number; scope: string; refresh_token: string };

/** A redemption's answer, decided inside the transaction; a refusal still commits its event. */
export type PairOutcome = { ok: CodeTokenResponse } | { refused: OAuthErrorCode; description: string };

/** What a code or a refresh token remembers of the person's consent. */
type Consented = { personIssuer: string; personSub: string; personLabel: string; resources: string[] };

/**
 * RFC 9449 §5: a public client's refresh token is bound to the DPoP key it was issued with
 * (a confidential client's is bound by its client authentication instead).
 */
const refreshBinding = (ctx: TokenCtx): string | null => (ctx.client.clientType === "public" ? ctx.jkt : null);

/** A signed access token and its refresh token's row, not yet stored: nothing is issued until it is. */
export type PreparedPair = { response: CodeTokenResponse; minted: Minted; aud: string | string[]; exp: number; person: string; refresh: NewRefreshToken };

export const grantIsLive = (grant: DelegationGrant | null | undefined): grant is DelegationGrant =>
  !!grant && !grant.revokedAt && grant.expiresAt.getTime() > Date.now();

/**
 * The token pair both redemptions issue: the delegated access token (`sub` the person, `act`
 * the agent), audience within the agent's registered resources and the grant's, lifetime
 * capped by the grant; and a refresh token in `familyId`.
 */
export async function preparePair(ctx: TokenCtx, grant: DelegationGrant, consented: Consented, scopes: string[], familyId: string): Promise<PreparedPair> {
  const { client } = ctx;
  const registered = registeredResources(client.allowedResources);
  const allowed = grant.resources.length > 0 ? registered.filter((r) => grant.resources.includes(r)) : registered;
  const aud = resolveAudience({ resource: consented.resources }, allowed);
  const exp = Math.min(Math.floor(Date.now() / 1000) + getConfig().TOKEN_TTL_SECONDS, Math.floor(grant.expiresAt.getTime() / 1000));
  const person = { issuer: consented.personIssuer, sub: consented.personSub, label: consented.personLabel };
  const minted = await mintDelegated({ person: personId(person.issuer, person.sub), clientId: client.clientId, scopes, aud, exp, act: { sub: client.agentId, client_id: client.clientId }, grantIds: [grant.id], jkt: ctx.jkt });
  const refresh = newRefreshRow({ familyId, clientId: client.clientId, agentId: client.agentId, grant, person, scopes, resources: consented.resources, accessJti: minted.jti, accessExp: exp, dpopJkt: refreshBinding(ctx) });
  const response = { access_token: minted.accessToken, token_type: tokenTypeOf(ctx.jkt), expires_in: exp - minted.iat, scope: scopes.join(" "), refresh_token: refresh.token };
  return { response, minted, aud, exp, person: personId(person.issuer, person.sub), refresh: refresh.row };
}

/** The careful path's store: the refresh token and the agent's monthly count, in its transaction. */
export async function storePair(tx: Tx, ctx: ClientCtx, pair: PreparedPair): Promise<void> {
  await tx.insert(refreshTokens).values(pair.refresh);
  recordStoredCount(ctx.client.agentId, monthOf(), await countIssuedIn(tx, ctx.client.agentId));
}

/**
 * Holds a quota slot while `redeem` decides; gives it back when nothing was issued (an error
 * or a refusal, whose event has committed all the same), then answers the refusal.
 */
export async function withQuotaSlot(ctx: ClientCtx, grantType: "authorization_code" | "refresh_token", redeem: () => Promise<PairOutcome>): Promise<CodeTokenResponse> {
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
  countTokenIssued(grantType);
  return outcome.ok;
}
