import { eq } from "drizzle-orm";
import { refreshTokens, revocations } from "@/drizzle/schema";
import { commit } from "@/lib/audit/commit";
import type { ClientCtx } from "@/lib/context";
import { gateNotice } from "@/lib/identity/state-view";
import { revokeFamily } from "../authorize/refresh-tokens";
import { tokenHash } from "../authorize/secrets";
import { OAuthError } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { TokenInvalid, verifyVigilToken } from "./verify";

/**
 * RFC 7009. A client revokes its own tokens (admin clients any token). Invalid or unknown
 * tokens get 200 as the RFC requires: the answer must not reveal whether a token existed.
 */
export async function revokeToken(ctx: ClientCtx, form: OAuthForm): Promise<void> {
  // no-scope: a client revokes what was issued to it; anyone else's token needs admin (below).
  const token = oauthParam(form, "token");
  if (!token) throw new OAuthError("invalid_request", "token is required.");
  const hint = oauthParam(form, "token_type_hint");
  if (hint && hint !== "access_token" && hint !== "refresh_token") {
    throw new OAuthError("unsupported_token_type", "token_type_hint must be access_token or refresh_token.");
  }
  // Refresh tokens are opaque (vgr_…); the hint only says where to look first (RFC 7009 §2.1).
  if (token.startsWith("vgr_")) return revokeRefreshToken(ctx, token);
  let claims;
  try {
    claims = await verifyVigilToken(token);
  } catch (error) {
    if (error instanceof TokenInvalid) return;
    throw error;
  }
  if (claims.client_id !== ctx.client.clientId && !ctx.actor.scopes.has("admin")) {
    throw new OAuthError("unauthorized_client", "A client can revoke only the tokens issued to it.");
  }
  await commit(ctx, async (tx) => {
    const inserted = await tx
      .insert(revocations)
      .values({
        jti: claims.jti,
        agentId: claims.sub,
        clientId: claims.client_id ?? null,
        expiresAt: new Date(claims.exp * 1000),
        revokedBy: ctx.actor.label,
      })
      .onConflictDoNothing()
      .returning({ jti: revocations.jti });
    // Already revoked: nothing changed, nothing to record.
    if (inserted.length === 0) return { value: undefined, events: [] };
    return {
      value: undefined,
      events: [{ kind: "token.revoked", outcome: "success", agentId: claims.sub, clientId: ctx.client.clientId, metadata: { jti: claims.jti, exp: claims.exp } }],
      notices: [gateNotice({ t: "jti", jti: claims.jti, exp: claims.exp })],
    };
  });
}

/** A refresh token takes its whole family with it, and the access tokens they issued. */
async function revokeRefreshToken(ctx: ClientCtx, token: string): Promise<void> {
  // no-scope: a client revokes its own refresh token (admin clients any), checked below.
  const [row] = await ctx.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash(token)));
  if (!row || row.revokedAt) return;
  if (row.clientId !== ctx.client.clientId && !ctx.actor.scopes.has("admin")) {
    throw new OAuthError("unauthorized_client", "A client can revoke only the tokens issued to it.");
  }
  await commit(ctx, async (tx) => {
    const revoked = await revokeFamily(tx, row.familyId, "revoked by the client (RFC 7009)", ctx.actor.label);
    if (revoked.refresh === 0) return { value: undefined, events: [] };
    return {
      value: undefined,
      events: [{ kind: "token.revoked", outcome: "success", agentId: row.agentId, clientId: row.clientId, metadata: { refresh_family: row.familyId, refresh_tokens: revoked.refresh, access_jtis: revoked.access } }],
      notices: revoked.notices,
    };
  });
}
