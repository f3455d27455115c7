import { and, count, eq, gte, sql } from "drizzle-orm";
import { auditEvents, tokenMonthlyCounts } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { VerbCtx } from "@/lib/context";
import { requireScope } from "@/lib/access/actor";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "@/lib/identity/agents/find";
import { monthOf } from "@/lib/identity/tokens/quota";

const DAY = 86_400_000;
export const USAGE_DAYS = 14;

export type AgentUsage = {
  /** UTC days, oldest first, ending today. */
  days: { day: string; tokens: number }[];
  month: string;
  month_tokens: number;
  /** The agent's own quota, else the server default; null when unlimited (0). */
  quota: number | null;
  last_seen_at: string | null;
};

/**
 * Tokens issued to one agent per day over the last 14 days (token.issued events, read
 * through the agent index and only the partitions of those days) and this month's count
 * against its quota (token_monthly_counts, which issuance keeps; flushed in batches, so it
 * may trail the log by a moment).
 */
export async function agentUsage(ctx: VerbCtx, raw: unknown, now = new Date()): Promise<AgentUsage> {
  requireScope(ctx.actor, ["agents:read", "audit:read"]);
  const { params } = parseWithParams(raw, ["id"]);
  const agent = await findAgent(ctx.db, params.id);
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const since = new Date(today - (USAGE_DAYS - 1) * DAY);
  const day = sql<string>`to_char(${auditEvents.ts} at time zone 'UTC', 'YYYY-MM-DD')`;
  const month = monthOf(now);
  const [rows, [monthly]] = await Promise.all([
    ctx.db
      .select({ day, n: count() })
      .from(auditEvents)
      .where(and(eq(auditEvents.agentId, agent.id), eq(auditEvents.kind, "token.issued"), gte(auditEvents.ts, since)))
      .groupBy(sql`1`),
    ctx.db
      .select({ n: tokenMonthlyCounts.count })
      .from(tokenMonthlyCounts)
      .where(and(eq(tokenMonthlyCounts.agentId, agent.id), eq(tokenMonthlyCounts.month, month))),
  ]);
  const counts = new Map(rows.map((r) => [r.day, r.n]));
  const days = Array.from({ length: USAGE_DAYS }, (_, i) => {
    const key = new Date(since.getTime() + i * DAY).toISOString().slice(0, 10);
    return { day: key, tokens: counts.get(key) ?? 0 };
  });
  const quota = agent.monthlyTokenQuota ?? getConfig().TOKEN_MONTHLY_QUOTA;
  return {
    days,
    month,
    month_tokens: monthly?.n ?? 0,
    quota: quota === 0 ? null : quota,
    last_seen_at: agent.lastSeenAt?.toISOString() ?? null,
  };
}
