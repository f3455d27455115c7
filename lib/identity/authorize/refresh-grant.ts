import { eq, sql } from "drizzle-orm";
import { delegationGrants, refreshTokens } from "@/drizzle/schema";
import { commit, type EventDraft } from "@/lib/audit/commit";
import type { ClientCtx } from "@/lib/context";
import type { Notice } from "@/lib/events/notify";
import { OAuthError, type OAuthErrorCode } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { issuePair, withQuotaSlot, type CodeTokenResponse, type PairOutcome } from "./issue-pair";
import { revokeFamily } from "./refresh-tokens";
import { tokenHash } from "./secrets";

export function checkRefreshRequest(form: OAuthForm): void {
  if (!oauthParam(form, "refresh_token")) throw new OAuthError("invalid_request", "refresh_token is required for grant_type=refresh_token.");
}

/**
 * grant_type=refresh_token (RFC 6749 §6, OAuth 2.1 §4.3.1): rotated on every use. The token
 * must be this client's, unused, unrevoked, unexpired, and its grant live; `scope` may only
 * narrow. A token presented after its rotation means two parties hold it: the whole family
 * is revoked with the access tokens it issued (reuse detection), and recorded so.
 */
export async function refreshAccessToken(ctx: ClientCtx, form: OAuthForm): Promise<CodeTokenResponse> {
  // no-scope: the refresh token is the authorization, bound to this client and a person's grant.
  checkRefreshRequest(form);
  const { client } = ctx;
  return withQuotaSlot(ctx, () =>
    commit<PairOutcome>(ctx, async (tx) => {
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
      if (row.clientId !== client.clientId) return refuse("refresh.rotated", "invalid_grant", "This refresh token was issued to another client.");
      if (row.revokedAt) return refuse("refresh.rotated", "invalid_grant", "This refresh token is revoked.", { family: row.familyId });
      if (row.usedAt) {
        const revoked = await revokeFamily(tx, row.familyId, "refresh token reused", ctx.actor.label);
        return refuse("refresh.reuse_detected", "invalid_grant", "This refresh token was already used: its family is revoked.", { family: row.familyId, revoked_refresh_tokens: revoked.refresh, revoked_access_tokens: revoked.access }, revoked.notices);
      }
      if (row.expiresAt.getTime() <= Date.now()) return refuse("refresh.rotated", "invalid_grant", "This refresh token has expired with its grant.");
      const [grant] = await tx.select().from(delegationGrants).where(eq(delegationGrants.id, row.grantId));
      if (!grant || grant.revokedAt || grant.expiresAt.getTime() <= Date.now()) return refuse("refresh.rotated", "invalid_grant", "The person's delegation behind this refresh token is no longer active.");
      const requested = oauthParam(form, "scope");
      const scopes = requested === null ? row.scopes : [...new Set(requested.split(" ").filter(Boolean))];
      const wider = scopes.filter((s) => !row.scopes.includes(s) || !grant.scopes.includes(s));
      if (wider.length > 0 || scopes.length === 0) return refuse("refresh.rotated", "invalid_scope", `A refresh may only narrow the scope: ${wider.join(" ") || "(none asked)"} is not within ${row.scopes.join(" ")}.`);

      const issued = await issuePair(tx, ctx, grant, row, scopes, row.familyId);
      await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
      return {
        value: { ok: issued.response },
        events: [
          {
            kind: "refresh.rotated",
            outcome: "success",
            agentId: client.agentId,
            clientId: client.clientId,
            metadata: { jti: issued.minted.jti, person: issued.person, delegation_id: grant.id, family: row.familyId, scope: issued.response.scope, aud: issued.aud, exp: issued.exp, kid: issued.minted.kid },
          },
        ],
      };
    }),
  );
}
