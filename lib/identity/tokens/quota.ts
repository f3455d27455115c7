import { and, eq, sql } from "drizzle-orm";
import { tokenMonthlyCounts } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { OAuthError } from "../oauth-error";
import { processSingleton } from "@/lib/process/singleton";

type Counts = Map<string, number>;
const counts = (): Counts => processSingleton("quota-counts", (): Counts => new Map());

export function monthOf(date = new Date()): string {
  return date.toISOString().slice(0, 7);
}

function secondsToNextMonth(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

/**
 * Reserves one token against the agent's monthly quota. The count lives in memory, seeded
 * from token_monthly_counts and corrected by every flush (which returns the stored count),
 * so the hot path reads the database once per agent and month. Across several instances a
 * few tokens over the limit are possible between two flushes; one instance is exact.
 */
export async function reserveQuota(db: Executor, agentId: string, agentQuota: number | null): Promise<() => void> {
  const limit = agentQuota ?? getConfig().TOKEN_MONTHLY_QUOTA;
  if (limit === 0) return () => {};
  const month = monthOf();
  const key = `${agentId}|${month}`;
  let used = counts().get(key);
  if (used === undefined) {
    const [row] = await db
      .select({ count: tokenMonthlyCounts.count })
      .from(tokenMonthlyCounts)
      .where(and(eq(tokenMonthlyCounts.agentId, agentId), eq(tokenMonthlyCounts.month, month)));
    used = Math.max(row?.count ?? 0, counts().get(key) ?? 0);
  }
  if (used >= limit) {
    const retry = secondsToNextMonth();
    throw new OAuthError("quota_exceeded", `Monthly token quota of ${limit} reached; it resets at the start of next month (UTC).`, 429, {
      "Retry-After": String(retry),
    });
  }
  counts().set(key, used + 1);
  return () => counts().set(key, Math.max(0, (counts().get(key) ?? 1) - 1));
}

/** Folds a committed count (which includes other instances' tokens) into the cache. */
export function recordStoredCount(agentId: string, month: string, stored: number | undefined): void {
  if (stored === undefined) return;
  const key = `${agentId}|${month}`;
  counts().set(key, Math.max(stored, counts().get(key) ?? 0));
}

/**
 * Counts one token inside a transaction of its own change (authorization codes, refreshes):
 * the same counter the group commit keeps, returning the stored count for recordStoredCount.
 * Taken before the commit appends its events, as every row lock must be (lib/audit/tail.ts).
 */
export async function countIssuedIn(tx: Executor, agentId: string, month = monthOf()): Promise<number> {
  const [row] = await tx
    .insert(tokenMonthlyCounts)
    .values({ agentId, month, count: 1 })
    .onConflictDoUpdate({ target: [tokenMonthlyCounts.agentId, tokenMonthlyCounts.month], set: { count: sql`${tokenMonthlyCounts.count} + 1` } })
    .returning({ count: tokenMonthlyCounts.count });
  return row?.count ?? 0;
}
