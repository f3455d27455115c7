import { eq, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { authorizationCodes, delegationGrants, refreshTokens, type AuthorizationCode, type DelegationGrant, type RefreshToken } from "@/drizzle/schema";
import { handleOf } from "@/lib/db/client";
import type { Db } from "@/lib/db/types";
import { timed } from "@/lib/observability/metrics";
import { GroupRunner } from "@/lib/process/group";
import { perObject } from "@/lib/process/singleton";

export type CodeHit = { code: AuthorizationCode; grant: DelegationGrant };
export type RefreshHit = { token: RefreshToken; grant: DelegationGrant };

// One statement for any number of keys, answered from the unique index; the keys travel as
// one JSON parameter, so the statement is prepared once per connection (queryPrepared says why).
const anyOf = (column: AnyPgColumn) => sql`${column} = any(array(select jsonb_array_elements_text(${sql.placeholder("keys")}::jsonb)))`;
const keysOf = (keys: string[]) => ({ keys: JSON.stringify([...new Set(keys)]) });
// drizzle hands postgres.js the name as its `prepare` option: an empty one runs the statement unprepared.
const statementName = (db: Db, name: string) => (handleOf(db).prepared ? name : "");

// Reads lock nothing, so a few may be in flight at once: a request waits for a free slot, not for the last batch.
const LOOKUPS_IN_FLIGHT = 3;

/**
 * The fast paths' reads, coalesced: concurrent redemptions share one query (and one pooled
 * connection) per batch, instead of each holding a connection until the event loop gets
 * round to its answer. Unlocked reads: the claim re-checks everything that can change.
 */
function lookup<V>(kind: string, db: Db, load: (db: Db, keys: string[]) => Promise<Map<string, V>>, key: string): Promise<V | undefined> {
  const runner = perObject(kind, db, (owner) => new GroupRunner<string, V | undefined>(async (keys) => {
    const found = await timed(kind, () => load(owner, keys));
    return keys.map((k) => found.get(k));
  }, { concurrency: LOOKUPS_IN_FLIGHT }));
  return runner.submit(key);
}

const codeQuery = (db: Db) =>
  perObject("code_lookup_query", db, () =>
    db.select({ code: authorizationCodes, grant: delegationGrants }).from(authorizationCodes).innerJoin(delegationGrants, eq(delegationGrants.id, authorizationCodes.grantId)).where(anyOf(authorizationCodes.codeHash)).prepare(statementName(db, "code_lookup")),
  );

const refreshQuery = (db: Db) =>
  perObject("refresh_lookup_query", db, () =>
    db.select({ token: refreshTokens, grant: delegationGrants }).from(refreshTokens).innerJoin(delegationGrants, eq(delegationGrants.id, refreshTokens.grantId)).where(anyOf(refreshTokens.tokenHash)).prepare(statementName(db, "refresh_lookup")),
  );

export const codeWithGrant = (db: Db, hash: string) =>
  lookup<CodeHit>("code_lookup", db, async (owner, hashes) => {
    const rows = await codeQuery(owner).execute(keysOf(hashes));
    return new Map(rows.map((r) => [r.code.codeHash, r]));
  }, hash);

export const refreshWithGrant = (db: Db, hash: string) =>
  lookup<RefreshHit>("refresh_lookup", db, async (owner, hashes) => {
    const rows = await refreshQuery(owner).execute(keysOf(hashes));
    return new Map(rows.map((r) => [r.token.tokenHash, r]));
  }, hash);
