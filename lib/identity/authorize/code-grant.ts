import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { authorizationCodes, delegationGrants, revocations } from "@/drizzle/schema";
import { commit, type EventDraft } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { ClientCtx } from "@/lib/context";
import type { Tx } from "@/lib/db/types";
import type { Notice } from "@/lib/events/notify";
import { gateNotice } from "@/lib/identity/state-view";
import { OAuthError, type OAuthErrorCode } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { issuePair, withQuotaSlot, type CodeTokenResponse, type PairOutcome } from "./issue-pair";
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

/**
 * grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636, OAuth 2.1): the code must be
 * this client's, unexpired (60 s), unused, sent with the same redirect_uri and the verifier
 * of its challenge, and its grant still live. It issues the delegated access token (`sub`
 * the person, `act` the agent) and a refresh token in a new family. A code presented twice
 * is a stolen code: the second attempt is refused and everything the first issued is
 * revoked (§4.1.2) — recorded, even though the answer is an error.
 */
export async function redeemAuthorizationCode(ctx: ClientCtx, form: OAuthForm): Promise<CodeTokenResponse> {
  // no-scope: the code is the authorization (a person consented); it is bound to this client.
  checkCodeRequest(form);
  const { client } = ctx;
  return withQuotaSlot(ctx, () =>
    commit<PairOutcome>(ctx, async (tx) => {
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
      if (row.clientId !== client.clientId) return refuse("invalid_grant", "This code was issued to another client.");
      if (row.redeemedAt) {
        const revoked = await revokeIssued(tx, row.issuedJti, row.refreshFamily, client.agentId, client.clientId, ctx.actor.label);
        return refuse("invalid_grant", "This code was already used; what it issued is revoked.", { replay: true, revoked_jti: row.issuedJti, revoked_family: row.refreshFamily }, revoked);
      }
      if (row.expiresAt.getTime() <= Date.now()) return refuse("invalid_grant", "This code has expired (codes live 60 seconds).");
      if (row.redirectUri !== oauthParam(form, "redirect_uri")) return refuse("invalid_grant", "redirect_uri differs from the authorization request's.");
      if (!verifierMatches(oauthParam(form, "code_verifier") ?? "", row.codeChallenge)) return refuse("invalid_grant", "code_verifier does not match the code_challenge (PKCE).");
      const [grant] = await tx.select().from(delegationGrants).where(eq(delegationGrants.id, row.grantId));
      if (!grant || grant.revokedAt || grant.expiresAt.getTime() <= Date.now()) return refuse("invalid_grant", "The person's delegation behind this code is no longer active.");

      const familyId = randomUUID();
      const issued = await issuePair(tx, ctx, grant, row, row.scopes, familyId);
      await tx.update(authorizationCodes).set({ redeemedAt: sql`now()`, issuedJti: issued.minted.jti, refreshFamily: familyId }).where(eq(authorizationCodes.codeHash, row.codeHash));
      return {
        value: { ok: issued.response },
        events: [
          {
            kind: "code.redeemed",
            outcome: "success",
            agentId: client.agentId,
            clientId: client.clientId,
            metadata: { jti: issued.minted.jti, person: issued.person, delegation_id: grant.id, scope: issued.response.scope, aud: issued.aud, exp: issued.exp, refresh_family: familyId, kid: issued.minted.kid },
          },
        ],
      };
    }),
  );
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
