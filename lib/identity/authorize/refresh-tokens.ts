import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { refreshTokens, revocations, type DelegationGrant, type NewRefreshToken } from "@/drizzle/schema";
import type { Tx } from "@/lib/db/types";
import type { Notice } from "@/lib/events/notify";
import { gateNotice } from "@/lib/identity/state-view";
import { newRefreshToken, tokenHash } from "./secrets";

export type RefreshFacts = {
  familyId: string;
  clientId: string;
  agentId: string;
  grant: Pick<DelegationGrant, "id" | "expiresAt">;
  person: { issuer: string; sub: string; label: string };
  scopes: string[];
  resources: string[];
  accessJti: string;
  accessExp: number;
  /** The DPoP key a public client's refresh token is bound to (null: unbound). */
  dpopJkt: string | null;
};

/** A new refresh token in a family, and its row; it lives no longer than the grant it rests on. */
export function newRefreshRow(f: RefreshFacts): { token: string; row: NewRefreshToken } {
  const token = newRefreshToken();
  const row = {
    tokenHash: tokenHash(token),
    familyId: f.familyId,
    clientId: f.clientId,
    agentId: f.agentId,
    grantId: f.grant.id,
    personIssuer: f.person.issuer,
    personSub: f.person.sub,
    personLabel: f.person.label,
    scopes: f.scopes,
    resources: f.resources,
    accessJti: f.accessJti,
    accessExpiresAt: new Date(f.accessExp * 1000),
    expiresAt: f.grant.expiresAt,
    dpopJkt: f.dpopJkt,
  };
  return { token, row };
}

// Each round past the first needs a rotation that committed during the previous one.
const MAX_REVOKE_ROUNDS = 50;

/**
 * Revokes a whole family: every refresh token in it, and every access token they issued that
 * is still alive (revocations, announced to every instance's view). Used for reuse, replayed
 * codes and RFC 7009 revocation of a refresh token.
 */
export async function revokeFamily(tx: Tx, familyId: string, reason: string, by: string): Promise<{ refresh: number; access: string[]; notices: Notice[] }> {
  // Until a round finds nothing: a rotation committing while the first round waited for its
  // old token's row stored a new token that round's snapshot could not see; the next
  // statement sees it (READ COMMITTED), so no refresh token of the family outlives this.
  let refresh = 0;
  for (let round = 0; round < MAX_REVOKE_ROUNDS; round += 1) {
    const revoked = await tx
      .update(refreshTokens)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
      .returning({ id: refreshTokens.id });
    if (revoked.length === 0) break;
    refresh += revoked.length;
  }
  const live = await tx
    .select({ jti: refreshTokens.accessJti, exp: refreshTokens.accessExpiresAt, agentId: refreshTokens.agentId, clientId: refreshTokens.clientId })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.familyId, familyId), gt(refreshTokens.accessExpiresAt, sql`now()`)));
  const notices: Notice[] = [];
  for (const token of live) {
    const inserted = await tx
      .insert(revocations)
      .values({ jti: token.jti, agentId: token.agentId, clientId: token.clientId, expiresAt: token.exp, revokedBy: by })
      .onConflictDoNothing()
      .returning({ jti: revocations.jti });
    if (inserted.length > 0) notices.push(gateNotice({ t: "jti", jti: token.jti, exp: Math.floor(token.exp.getTime() / 1000) }));
  }
  return { refresh, access: live.map((t) => t.jti), notices };
}
