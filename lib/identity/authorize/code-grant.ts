import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { authorizationCodes, delegationGrants, revocations, type AuthorizationCode, type DelegationGrant } from "@/drizzle/schema";
import { commit, type EventDraft } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { ClientCtx } from "@/lib/context";
import type { Tx } from "@/lib/db/types";
import type { Notice } from "@/lib/events/notify";
import { gateNotice } from "@/lib/identity/state-view";
import { OAuthError, type OAuthErrorCode } from "../oauth-error";
import type { TokenCtx } from "../tokens/binding";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { grantIsLive, preparePair, storePair, withQuotaSlot, type CodeTokenResponse, type PairOutcome, type PreparedPair } from "./issue-pair";
import { codeWithGrant } from "./lookups";
import { claimPair } from "./pair-claims";
import { revokeFamily } from "./refresh-tokens";
import { verifierMatches } from "./request";
import { tokenHash } from "./secrets";

export type { CodeTokenResponse } from "./issue-pair";

/** What a code redemption must carry whoever sends it (the route's precheck runs it). */
export function checkCodeRequest(form: OAuthForm): void {
  for (const name of ["code", "redirect_uri", "code_verifier"]) {
    if (!oauthParam(form, name)) throw new OAuthError("invalid_request", `${name} is required for grant_type=authorization_code.`);
  }
}

/** Why this code may not be redeemed by this request, apart from having been used; null when it may. */
function codeProblem(row: AuthorizationCode, ctx: TokenCtx, form: OAuthForm, grant: DelegationGrant | null | undefined): string | null {
  if (row.clientId !== ctx.client.clientId) return "This code was issued to another client.";
  // RFC 9449 §10.1: a code requested with dpop_jkt is redeemed only with a proof by that key.
  if (row.dpopJkt && row.dpopJkt !== ctx.jkt) return "This code is bound to a DPoP key (dpop_jkt): redeem it with a DPoP proof signed by that key.";
  if (row.expiresAt.getTime() <= Date.now()) return "This code has expired (codes live 60 seconds).";
  if (row.redirectUri !== oauthParam(form, "redirect_uri")) return "redirect_uri differs from the authorization request's.";
  if (!verifierMatches(oauthParam(form, "code_verifier") ?? "", row.codeChallenge)) return "code_verifier does not match the code_challenge (PKCE).";
  if (!grantIsLive(grant)) return "The person's delegation behind this code is no longer active.";
  return null;
}

function redeemedEvent(ctx: ClientCtx, pair: PreparedPair, grantId: string, family: string): EventDraft {
  const { client } = ctx;
  return {
    kind: "code.redeemed",
    outcome: "success",
    agentId: client.agentId,
    clientId: client.clientId,
    metadata: { jti: pair.minted.jti, person: pair.person, delegation_id: grantId, scope: pair.response.scope, aud: pair.aud, exp: pair.exp, refresh_family: family, kid: pair.minted.kid },
  };
}

/**
 * grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636, OAuth 2.1): the code must be
 * this client's, unexpired (60 s), unused, sent with the same redirect_uri and the verifier
 * of its challenge, and its grant still live. It issues the delegated access token (`sub`
 * the person, `act` the agent) and a refresh token in a new family. A code presented twice
 * is a stolen code: the second attempt is refused and everything the first issued is
 * revoked (§4.1.2) — recorded, even though the answer is an error.
 *
 * A good code takes the fast path (read, sign, then claim it in a group commit); anything
 * else, or a claim that lost, takes the careful path, which locks the code and decides.
 */
export async function redeemAuthorizationCode(ctx: TokenCtx, form: OAuthForm): Promise<CodeTokenResponse> {
  checkCodeRequest(form);
  return withQuotaSlot(ctx, "authorization_code", async () => {
    const ok = await redeemAtOnce(ctx, form);
    return ok ? { ok } : redeemCarefully(ctx, form);
  });
}

async function redeemAtOnce(ctx: TokenCtx, form: OAuthForm): Promise<CodeTokenResponse | null> {
  const hash = tokenHash(oauthParam(form, "code") ?? "");
  const hit = await codeWithGrant(ctx.db, hash);
  if (!hit || hit.code.redeemedAt || codeProblem(hit.code, ctx, form, hit.grant)) return null;
  const family = randomUUID();
  const pair = await preparePair(ctx, hit.grant, hit.code, hit.code.scopes, family);
  const won = await claimPair(ctx, { code: hash, jti: pair.minted.jti, family }, pair, redeemedEvent(ctx, pair, hit.grant.id, family));
  return won ? pair.response : null;
}

function redeemCarefully(ctx: TokenCtx, form: OAuthForm): Promise<PairOutcome> {
  // no-scope: the code is the authorization (a person consented); it is bound to this client.
  const { client } = ctx;
  return commit<PairOutcome>(ctx, async (tx) => {
    const refuse = (code: OAuthErrorCode, description: string, metadata: Record<string, unknown> = {}, notices: Notice[] = []) => ({
      value: { refused: code, description },
      events: [{ kind: "code.redeemed", outcome: "denied", agentId: client.agentId, clientId: client.clientId, metadata: { reason: description, ...metadata } } satisfies EventDraft],
      notices,
    });
    const [row] = await tx
      .select()
      .from(authorizationCodes)
      .where(eq(authorizationCodes.codeHash, tokenHash(oauthParam(form, "code") ?? "")))
      .for("update");
    if (!row) return refuse("invalid_grant", "Unknown authorization code.");
    if (row.redeemedAt && row.clientId === client.clientId) {
      const revoked = await revokeIssued(tx, row.issuedJti, row.refreshFamily, client.agentId, client.clientId, ctx.actor.label);
      return refuse("invalid_grant", "This code was already used; what it issued is revoked.", { replay: true, revoked_jti: row.issuedJti, revoked_family: row.refreshFamily }, revoked);
    }
    const [grant] = await tx.select().from(delegationGrants).where(eq(delegationGrants.id, row.grantId));
    const problem = codeProblem(row, ctx, form, grant);
    if (problem || !grant) return refuse("invalid_grant", problem ?? "The person's delegation behind this code is no longer active.");

    const family = randomUUID();
    const pair = await preparePair(ctx, grant, row, row.scopes, family);
    await storePair(tx, ctx, pair);
    await tx.update(authorizationCodes).set({ redeemedAt: sql`now()`, issuedJti: pair.minted.jti, refreshFamily: family }).where(eq(authorizationCodes.codeHash, row.codeHash));
    return { value: { ok: pair.response }, events: [redeemedEvent(ctx, pair, grant.id, family)] };
  });
}

/** A replayed code: the access token it issued and its refresh family, revoked. */
async function revokeIssued(tx: Tx, jti: string | null, family: string | null, agentId: string, clientId: string, by: string): Promise<Notice[]> {
  const notices: Notice[] = [];
  if (family) notices.push(...(await revokeFamily(tx, family, "authorization code replayed", by)).notices);
  if (jti && !notices.some((n) => (n.payload as { jti?: string }).jti === jti)) {
    const exp = new Date(Date.now() + getConfig().TOKEN_TTL_SECONDS * 1000);
    const inserted = await tx.insert(revocations).values({ jti, agentId, clientId, expiresAt: exp, revokedBy: by }).onConflictDoNothing().returning({ jti: revocations.jti });
    if (inserted.length > 0) notices.push(gateNotice({ t: "jti", jti, exp: Math.floor(exp.getTime() / 1000) }));
  }
  return notices;
}
