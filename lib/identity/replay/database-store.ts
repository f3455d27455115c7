import { sql } from "drizzle-orm";
import { queryPrepared, queryRows } from "@/lib/db/rows";
import type { Db } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { GroupRunner } from "@/lib/process/group";
import type { ReplayCache } from "./replay-cache";

export type DatabaseReplayOptions = {
  /** Rows deleted per purge statement: short statements, short locks. */
  purgeBatch?: number;
  /** Batches per purge run; the next run (a claim after purgeEveryMs) goes on. */
  purgeMaxBatches?: number;
  /** A claim starts a purge when the last one started at least this long ago. */
  purgeEveryMs?: number;
};

type Claim = { key: string; expiresAt: Date };

/**
 * Claims in the replay_claims table (UNLOGGED), shared by every replica on the database and
 * used on PGlite too. Concurrent claims share one statement (GroupRunner, as the audit log's
 * group commit: a request pays no round trip of its own): the insert wins each new key, or
 * takes over a row whose claim has expired; against a live row it returns nothing.
 * Concurrent statements claiming one key queue on its row lock and re-read it, so exactly
 * one of them wins; within a batch a key is staked once and its repeats lose.
 */
export class DatabaseReplayCache implements ReplayCache {
  private lastPurge = 0;
  private purging: Promise<void> | null = null;
  private readonly purgeBatch: number;
  private readonly purgeMaxBatches: number;
  private readonly purgeEveryMs: number;

  constructor(
    private readonly db: Db,
    options: DatabaseReplayOptions = {},
  ) {
    this.purgeBatch = options.purgeBatch ?? 1000;
    this.purgeMaxBatches = options.purgeMaxBatches ?? 10;
    this.purgeEveryMs = options.purgeEveryMs ?? 10_000;
  }

  // Two statements in flight: a request arriving while one batch commits waits for the next
  // statement to start, not for the first to finish (claims of one key in both still queue
  // on its row lock, and sorted keys keep two batches from waiting on each other).
  private readonly claims = new GroupRunner<Claim, boolean>((batch) => this.claimBatch(batch), { concurrency: 2 });

  async claim(key: string, expiresAt: Date): Promise<boolean> {
    // An expired claim would block nothing: nothing to remember.
    if (expiresAt.getTime() <= Date.now()) return true;
    this.purgeSoon();
    return this.claims.submit({ key, expiresAt });
  }

  private async claimBatch(batch: Claim[]): Promise<boolean[]> {
    // A key twice in one statement would be "affected twice" (an error): the first stakes it.
    const first = new Map<string, number>();
    batch.forEach((c, i) => first.has(c.key) || first.set(c.key, i));
    const staked = [...first.keys()].sort().map((key) => ({ key, expires_at: batch[first.get(key) ?? 0]?.expiresAt.toISOString() }));
    // The database's clock decides expiry, the same clock for every replica. Sorted keys: two
    // batches lock shared keys in one order.
    const rows = await queryPrepared<{ key: string }>(
      this.db,
      sql`insert into replay_claims (key, expires_at)
          select key, expires_at from jsonb_to_recordset(${JSON.stringify(staked)}::jsonb) as c(key text, expires_at timestamptz) order by key
          on conflict (key) do update set expires_at = excluded.expires_at where replay_claims.expires_at <= now()
          returning key`,
    );
    const won = new Set(rows.map((r) => r.key));
    return batch.map((c, i) => first.get(c.key) === i && won.has(c.key));
  }

  /** Deletes expired rows in bounded batches; returns how many went. */
  async purge(): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < this.purgeMaxBatches; i++) {
      // skip locked: a row a claim is taking over right now is that claim's business.
      const rows = await queryRows<{ key: string }>(
        this.db,
        sql`delete from replay_claims where key in (
              select key from replay_claims where expires_at <= now()
              order by expires_at limit ${this.purgeBatch} for update skip locked)
            returning key`,
      );
      deleted += rows.length;
      if (rows.length < this.purgeBatch) break;
    }
    return deleted;
  }

  /** Opportunistic purge: at most one at a time, at most one per purgeEveryMs, never awaited by a claim. */
  private purgeSoon(): void {
    const now = Date.now();
    if (this.purging || now - this.lastPurge < this.purgeEveryMs) return;
    this.lastPurge = now;
    this.purging = this.purge()
      .then(() => undefined)
      .catch((error: unknown) => getLogger().warn({ err: error }, "replay cache purge failed"))
      .finally(() => {
        this.purging = null;
      });
  }

  /** Waits for a purge in flight (shutdown, tests). */
  async settled(): Promise<void> {
    await this.purging;
  }
}
