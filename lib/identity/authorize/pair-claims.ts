import { sql } from "drizzle-orm";
import { refreshTokens, type NewRefreshToken } from "@/drizzle/schema";
import { commitClaimed, type ClaimWriter } from "@/lib/audit/batch";
import type { EventDraft } from "@/lib/audit/commit";
import type { ClientCtx } from "@/lib/context";
import { queryRows } from "@/lib/db/rows";
import type { Tx } from "@/lib/db/types";
import { monthOf, recordStoredCount } from "../tokens/quota";
import type { PreparedPair } from "./issue-pair";

/**
 * What one redemption stakes: the code it redeems (marked with what it issued) or the
 * refresh token it uses, and the new refresh token it stores if it wins.
 */
export type Stake = { code: string; jti: string; family: string } | { refresh: string };
export type PairClaim = Stake & { store: NewRefreshToken };

// A grant revoked or expired since the request read it loses the claim (then the careful path says why).
const LIVE_GRANT = (grantId: ReturnType<typeof sql.raw>) => sql`exists (select 1 from delegation_grants g where g.id = ${grantId} and g.revoked_at is null and g.expires_at > now())`;

/**
 * One statement per kind for the whole batch. A claim wins only if its row is still unused,
 * unexpired and its grant live at this moment (the update re-reads a row another
 * transaction changed first), so a code or refresh token is spent at most once. The same
 * code or token twice in one batch: the second loses here and is handled as a replay.
 */
export async function writePairClaims(tx: Tx, claims: PairClaim[]): Promise<boolean[]> {
  const seen = new Set<string>();
  const key = (c: PairClaim) => ("code" in c ? `c:${c.code}` : `r:${c.refresh}`);
  const first = claims.map((c) => !seen.has(key(c)) && !!seen.add(key(c)));
  const codes = claims.flatMap((c, i) => (first[i] && "code" in c ? [{ code_hash: c.code, jti: c.jti, family: c.family }] : []));
  const refreshes = claims.flatMap((c, i) => (first[i] && "refresh" in c ? [c.refresh] : []));
  const won = new Set<string>();
  if (codes.length > 0) {
    const rows = await queryRows<{ code_hash: string }>(
      tx,
      sql`update authorization_codes c set redeemed_at = now(), issued_jti = x.jti, refresh_family = x.family
        from jsonb_to_recordset(${JSON.stringify(codes)}::jsonb) as x(code_hash text, jti text, family uuid)
        where c.code_hash = x.code_hash and c.redeemed_at is null and c.expires_at > now() and ${LIVE_GRANT(sql.raw("c.grant_id"))}
        returning c.code_hash`,
    );
    for (const r of rows) won.add(`c:${r.code_hash}`);
  }
  if (refreshes.length > 0) {
    const rows = await queryRows<{ token_hash: string }>(
      tx,
      sql`update refresh_tokens r set used_at = now()
        from jsonb_array_elements_text(${JSON.stringify(refreshes)}::jsonb) as x(h)
        where r.token_hash = x.h and r.used_at is null and r.revoked_at is null and r.expires_at > now() and ${LIVE_GRANT(sql.raw("r.grant_id"))}
        returning r.token_hash`,
    );
    for (const r of rows) won.add(`r:${r.token_hash}`);
  }
  const winners = claims.map((c, i) => first[i] === true && won.has(key(c)));
  const stored = claims.filter((_, i) => winners[i]).map((c) => c.store);
  if (stored.length > 0) await tx.insert(refreshTokens).values(stored);
  return winners;
}

const pairClaims: ClaimWriter<PairClaim> = { name: "token-pairs", write: writePairClaims };

/**
 * The fast path of both redemptions: the pair is issued, its code or refresh token spent and
 * its event and the agent's count written with whatever other redemptions commit at the
 * same moment. False when the claim lost (used, revoked or expired meanwhile, or a
 * replay in the same batch): nothing was written, and the careful path decides.
 */
export async function claimPair(ctx: ClientCtx, stake: Stake, pair: PreparedPair, event: EventDraft): Promise<boolean> {
  // no-scope: the code or refresh token is the authorization; the redemption checked it is this client's.
  const month = monthOf();
  const result = await commitClaimed(ctx, pairClaims, { ...stake, store: pair.refresh }, event, { countToken: { agentId: ctx.client.agentId, month } });
  if (result.won) recordStoredCount(ctx.client.agentId, month, result.count);
  return result.won;
}
