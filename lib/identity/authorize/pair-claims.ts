import { eq, sql, type SQL } from "drizzle-orm";
import { refreshTokens, type NewRefreshToken } from "@/drizzle/schema";
import { commitClaimed, type ClaimWriter } from "@/lib/audit/batch";
import type { EventDraft } from "@/lib/audit/commit";
import type { ClientCtx } from "@/lib/context";
import { monthOf, recordStoredCount } from "../tokens/quota";
import type { PreparedPair } from "./issue-pair";

/**
 * What one redemption stakes: the code it redeems (marked with what it issued) or the
 * refresh token it uses, and the new refresh token it stores if it wins.
 */
export type Stake = { code: string; jti: string; family: string } | { refresh: string };
export type PairClaim = Stake & { store: NewRefreshToken };


/**
 * The claims of one batch as CTEs (item i is claim i). A claim wins only if its row is
 * still unused, unexpired and its grant live at this moment (an update re-reads a row
 * another transaction changed first), so a code or refresh token is spent at most once; the
 * same code or token twice in one batch is staked once, and the second loses (a replay).
 * Rows are found with `= any(array)`, which the planner answers from the unique index; a
 * join against the unpacked JSON alone is planned as a scan of the whole table.
 *
 * A grant revoked or expired since the request read it loses the claim (then the careful
 * path says why): its liveness is read as the grant is locked, so a revocation that commits
 * while the batch waits for the grant is seen.
 *
 * Lock order, as every audited transaction's: the agents and grants the new refresh tokens
 * point to (FOR KEY SHARE, agents first, as decommissioning locks them), then the codes and
 * tokens (in hash order), then the tail lock. Without the first CTEs PostgreSQL would check the
 * new rows' foreign keys at the end of the statement, after the tail lock, and deadlock with
 * a grant revocation holding the grant while it waits for the tail lock.
 */
export function stakePairClaims(claims: PairClaim[]): SQL {
  const seen = new Set<string>();
  const staked = claims.flatMap((c, item) => {
    const key = "code" in c ? `c:${c.code}` : `r:${c.refresh}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ key, item, code_hash: "code" in c ? c.code : null, jti: "code" in c ? c.jti : null, family: "code" in c ? c.family : null, refresh_hash: "refresh" in c ? c.refresh : null }];
  });
  // Rows are locked in the order the claims come: sorted, two batches cannot wait on each other.
  staked.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const stores = claims.map((c, item) => ({
    item,
    token_hash: c.store.tokenHash,
    family_id: c.store.familyId,
    client_id: c.store.clientId,
    agent_id: c.store.agentId,
    grant_id: c.store.grantId,
    person_issuer: c.store.personIssuer,
    person_sub: c.store.personSub,
    person_label: c.store.personLabel,
    scopes: c.store.scopes,
    resources: c.store.resources,
    access_jti: c.store.accessJti,
    access_expires_at: c.store.accessExpiresAt,
    expires_at: c.store.expiresAt,
    dpop_jkt: c.store.dpopJkt ?? null,
  }));
  return sql`stores as (
    select * from jsonb_to_recordset(${JSON.stringify(stores)}::jsonb) as s(item int, token_hash text, family_id uuid, client_id text, agent_id uuid, grant_id uuid,
      person_issuer text, person_sub text, person_label text, scopes text[], resources text[], access_jti text, access_expires_at timestamptz, expires_at timestamptz, dpop_jkt text)
  ), agents_held as (
    select 1 from agents a where a.id = any(array(select agent_id from stores)) order by a.id for key share
  ), grants_held as (
    select g.id, g.revoked_at is null and g.expires_at > now() as live
    from delegation_grants g, (select count(*) from agents_held) h where g.id = any(array(select grant_id from stores)) order by g.id for key share of g
  ), live_grants as (
    select id from grants_held where live
  ), claims as (
    select x.* from jsonb_to_recordset(${JSON.stringify(staked)}::jsonb) as x(key text, item int, code_hash text, jti text, family uuid, refresh_hash text), (select count(*) from grants_held) h
  ), codes_won as (
    update authorization_codes c set redeemed_at = now(), issued_jti = x.jti, refresh_family = x.family
    from claims x
    where c.code_hash = x.code_hash and c.code_hash = any(array(select code_hash from claims where code_hash is not null))
      and c.redeemed_at is null and c.expires_at > now() and c.grant_id in (select id from live_grants)
    returning x.item
  ), refresh_won as (
    update refresh_tokens r set used_at = now()
    from claims x
    where r.token_hash = x.refresh_hash and r.token_hash = any(array(select refresh_hash from claims where refresh_hash is not null))
      and r.used_at is null and r.revoked_at is null and r.expires_at > now() and r.grant_id in (select id from live_grants)
    returning x.item
  ), won as (
    select item from codes_won union all select item from refresh_won
  ), stored as (
    insert into refresh_tokens (token_hash, family_id, client_id, agent_id, grant_id, person_issuer, person_sub, person_label, scopes, resources, access_jti, access_expires_at, expires_at, dpop_jkt)
    select token_hash, family_id, client_id, agent_id, grant_id, person_issuer, person_sub, person_label, scopes, resources, access_jti, access_expires_at, expires_at, dpop_jkt
    from stores s
    where s.item in (select item from won)
    returning 1
  ), staked as (
    select count(*) from stored
  )`;
}

const pairClaims: ClaimWriter<PairClaim> = { name: "token-pairs", stake: stakePairClaims };

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
  return result.won || (await ownClaimCommitted(ctx, pair));
}

/**
 * A claim that lost may have lost to itself: when a connection drops after its batch
 * committed, the group commit retries each claim alone, and each then finds its code or
 * token already spent. Its new refresh token is stored only if it won, so that says it did;
 * taking it for a replay would revoke what this very request was issued.
 */
async function ownClaimCommitted(ctx: ClientCtx, pair: PreparedPair): Promise<boolean> {
  const [row] = await ctx.db.select({ id: refreshTokens.id }).from(refreshTokens).where(eq(refreshTokens.tokenHash, pair.refresh.tokenHash)).limit(1);
  return row !== undefined;
}
