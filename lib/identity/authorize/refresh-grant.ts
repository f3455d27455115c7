import { eq, sql } from "drizzle-orm";
import { delegationGrants, refreshTokens, type DelegationGrant, type RefreshToken } from "@/drizzle/schema";
import { commit, type EventDraft } from "@/lib/audit/commit";
import type { ClientCtx } from "@/lib/context";
import type { Notice } from "@/lib/events/notify";
import { OAuthError, type OAuthErrorCode } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import type { TokenCtx } from "../tokens/binding";
import { grantIsLive, preparePair, storePair, withQuotaSlot, type CodeTokenResponse, type PairOutcome, type PreparedPair } from "./issue-pair";
import { refreshWithGrant } from "./lookups";
import { claimPair } from "./pair-claims";
import { revokeFamily } from "./refresh-tokens";
import { tokenHash } from "./secrets";

export function checkRefreshRequest(form: OAuthForm): void {
  if (!oauthParam(form, "refresh_token")) throw new OAuthError("invalid_request", "refresh_token is required for grant_type=refresh_token.");
}

type Problem = { code: OAuthErrorCode; description: string; metadata?: Record<string, unknown> };

/** The scopes this refresh asks for: the token's, or a narrower set named in `scope`. */
function askedScopes(row: RefreshToken, form: OAuthForm): string[] {
  const requested = oauthParam(form, "scope");
  return requested === null ? row.scopes : [...new Set(requested.split(" ").filter(Boolean))];
}

/** Why this refresh token may not be used by this request, apart from having been used; null when it may. */
function refreshProblem(row: RefreshToken, ctx: TokenCtx, grant: DelegationGrant | null | undefined, scopes: string[]): Problem | null {
  if (row.clientId !== ctx.client.clientId) return { code: "invalid_grant", description: "This refresh token was issued to another client." };
  // RFC 9449 §5: a bound refresh token is used only with a proof by its key (as oidc-provider: invalid_grant).
  if (row.dpopJkt && row.dpopJkt !== ctx.jkt) return { code: "invalid_grant", description: "This refresh token is bound to a DPoP key: send a DPoP proof signed by that key." };
  if (row.revokedAt) return { code: "invalid_grant", description: "This refresh token is revoked.", metadata: { family: row.familyId } };
  if (row.expiresAt.getTime() <= Date.now()) return { code: "invalid_grant", description: "This refresh token has expired with its grant." };
  if (!grantIsLive(grant)) return { code: "invalid_grant", description: "The person's delegation behind this refresh token is no longer active." };
  const wider = scopes.filter((s) => !row.scopes.includes(s) || !grant.scopes.includes(s));
  if (wider.length > 0 || scopes.length === 0) return { code: "invalid_scope", description: `A refresh may only narrow the scope: ${wider.join(" ") || "(none asked)"} is not within ${row.scopes.join(" ")}.` };
  return null;
}

function rotatedEvent(ctx: ClientCtx, pair: PreparedPair, grantId: string, family: string): EventDraft {
  const { client } = ctx;
  return {
    kind: "refresh.rotated",
    outcome: "success",
    agentId: client.agentId,
    clientId: client.clientId,
    metadata: { jti: pair.minted.jti, person: pair.person, delegation_id: grantId, family, scope: pair.response.scope, aud: pair.aud, exp: pair.exp, kid: pair.minted.kid },
  };
}

/**
 * grant_type=refresh_token (RFC 6749 §6, OAuth 2.1 §4.3.1): rotated on every use. The token
 * must be this client's, unused, unrevoked, unexpired, and its grant live; `scope` may only
 * narrow. A token presented after its rotation means two parties hold it: the whole family
 * is revoked with the access tokens it issued (reuse detection), and recorded so.
 *
 * A good token takes the fast path (read, sign, then claim it in a group commit); anything
 * else, or a claim that lost, takes the careful path, which locks the token and decides.
 */
export async function refreshAccessToken(ctx: TokenCtx, form: OAuthForm): Promise<CodeTokenResponse> {
  checkRefreshRequest(form);
  return withQuotaSlot(ctx, "refresh_token", async () => {
    const ok = await refreshAtOnce(ctx, form);
    return ok ? { ok } : refreshCarefully(ctx, form);
  });
}

async function refreshAtOnce(ctx: TokenCtx, form: OAuthForm): Promise<CodeTokenResponse | null> {
  const hash = tokenHash(oauthParam(form, "refresh_token") ?? "");
  const hit = await refreshWithGrant(ctx.db, hash);
  if (!hit || hit.token.usedAt) return null;
  const scopes = askedScopes(hit.token, form);
  if (refreshProblem(hit.token, ctx, hit.grant, scopes)) return null;
  const pair = await preparePair(ctx, hit.grant, hit.token, scopes, hit.token.familyId);
  const won = await claimPair(ctx, { refresh: hash }, pair, rotatedEvent(ctx, pair, hit.grant.id, hit.token.familyId));
  return won ? pair.response : null;
}

function refreshCarefully(ctx: TokenCtx, form: OAuthForm): Promise<PairOutcome> {
  // no-scope: the refresh token is the authorization, bound to this client and a person's grant.
  const { client } = ctx;
  return commit<PairOutcome>(ctx, async (tx) => {
    const refuse = (kind: "refresh.rotated" | "refresh.reuse_detected", code: OAuthErrorCode, description: string, metadata: Record<string, unknown> = {}, notices: Notice[] = []) => ({
      value: { refused: code, description },
      events: [{ kind, outcome: "denied", agentId: client.agentId, clientId: client.clientId, metadata: { reason: description, ...metadata } } satisfies EventDraft],
      notices,
    });
    const [row] = await tx
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash(oauthParam(form, "refresh_token") ?? "")))
      .for("update");
    if (!row) return refuse("refresh.rotated", "invalid_grant", "Unknown refresh token.");
    if (row.usedAt && row.clientId === client.clientId && !row.revokedAt) {
      const revoked = await revokeFamily(tx, row.familyId, "refresh token reused", ctx.actor.label);
      return refuse("refresh.reuse_detected", "invalid_grant", "This refresh token was already used: its family is revoked.", { family: row.familyId, revoked_refresh_tokens: revoked.refresh, revoked_access_tokens: revoked.access }, revoked.notices);
    }
    const [grant] = await tx.select().from(delegationGrants).where(eq(delegationGrants.id, row.grantId));
    const scopes = askedScopes(row, form);
    const problem = refreshProblem(row, ctx, grant, scopes);
    if (problem || !grant) return refuse("refresh.rotated", problem?.code ?? "invalid_grant", problem?.description ?? "The person's delegation behind this refresh token is no longer active.", problem?.metadata);

    const pair = await preparePair(ctx, grant, row, scopes, row.familyId);
    await storePair(tx, ctx, pair);
    await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
    return { value: { ok: pair.response }, events: [rotatedEvent(ctx, pair, grant.id, row.familyId)] };
  });
}
