import { eq, sql } from "drizzle-orm";
import { delegationGrants, refreshTokens } from "@/drizzle/schema";
import { personId } from "@/lib/access/person";
import { commit, type EventDraft } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { ClientCtx } from "@/lib/context";
import type { Notice } from "@/lib/events/notify";
import { mintDelegated } from "../delegations/mint";
import { OAuthError, type OAuthErrorCode } from "../oauth-error";
import { oauthParam, type OAuthForm } from "../oauth-params";
import { registeredResources, resolveAudience } from "../tokens/audience";
import { countIssuedIn, monthOf, recordStoredCount, reserveQuota } from "../tokens/quota";
import type { CodeTokenResponse } from "./code-grant";
import { revokeFamily, storeRefreshToken } from "./refresh-tokens";
import { tokenHash } from "./secrets";

type Outcome = { ok: CodeTokenResponse } | { refused: OAuthErrorCode; description: string };

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
  const release = await reserveQuota(ctx.db, client.agentId, client.monthlyTokenQuota);
  let outcome: Outcome;
  try {
    outcome = await commit<Outcome>(ctx, async (tx) => {
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

      const registered = registeredResources(client.allowedResources);
      const allowed = grant.resources.length > 0 ? registered.filter((r) => grant.resources.includes(r)) : registered;
      const aud = resolveAudience({ resource: row.resources }, allowed);
      const exp = Math.min(Math.floor(Date.now() / 1000) + getConfig().TOKEN_TTL_SECONDS, Math.floor(grant.expiresAt.getTime() / 1000));
      const person = { issuer: row.personIssuer, sub: row.personSub, label: row.personLabel };
      const minted = await mintDelegated({ person: personId(person.issuer, person.sub), clientId: client.clientId, scopes, aud, exp, act: { sub: client.agentId, client_id: client.clientId }, grantIds: [grant.id] });
      await tx.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, row.id));
      const next = await storeRefreshToken(tx, { familyId: row.familyId, clientId: client.clientId, agentId: client.agentId, grant, person, scopes, resources: row.resources, accessJti: minted.jti, accessExp: exp });
      recordStoredCount(client.agentId, monthOf(), await countIssuedIn(tx, client.agentId));
      return {
        value: { ok: { access_token: minted.accessToken, token_type: "Bearer" as const, expires_in: exp - minted.iat, scope: scopes.join(" "), refresh_token: next } },
        events: [
          {
            kind: "refresh.rotated",
            outcome: "success",
            agentId: client.agentId,
            clientId: client.clientId,
            metadata: { jti: minted.jti, person: personId(person.issuer, person.sub), delegation_id: grant.id, family: row.familyId, scope: scopes.join(" "), aud, exp, kid: minted.kid },
          },
        ],
      };
    });
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
