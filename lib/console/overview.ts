import { count, eq, gte, sql } from "drizzle-orm";
import { agents, auditEvents } from "@/drizzle/schema";
import { readState } from "@/lib/autoheal/state";
import type { VerbCtx } from "@/lib/context";
import { requireScope } from "@/lib/access/actor";
import { noFields, parseInput } from "@/lib/validation";

/** The autoheal goal the overview measures against (issue 6: 95% of actions succeed). */
export const ACTION_SUCCESS_TARGET = 0.95;
const HOUR = 3_600_000;
const WINDOW_HOURS = 24;

export type KindSeries = { kind: string; total: number; hourly: number[] };

export type Overview = {
  since: string;
  until: string;
  /** Start of each hourly bucket (UTC), oldest first; the first one is partly outside the window. */
  hours: string[];
  active_agents: number;
  tokens_issued: number;
  auth_failures: number;
  actions: { ok: number; failed: number; success_rate: number | null; target: number };
  autoheal: { enabled: boolean; dry_run: boolean };
  /** Every kind seen in the window, most frequent first. */
  kinds: KindSeries[];
};

const hourKey = (ms: number) => new Date(Math.floor(ms / HOUR) * HOUR).toISOString().replace(/\.000Z$/, "Z");

/**
 * What the console's overview shows, from two queries: one GROUP BY over the last 24 hours
 * of the log (a range on ts, so only today's and yesterday's partitions are read, through
 * the ts index) and one count of active agents. Every number on the page is a sum of it.
 */
export async function consoleOverview(ctx: VerbCtx, raw: unknown = {}, now = new Date()): Promise<Overview> {
  requireScope(ctx.actor, ["audit:read", "agents:read"]);
  parseInput(noFields, raw);
  const since = new Date(now.getTime() - WINDOW_HOURS * HOUR);
  // In UTC whatever the session's TimeZone: buckets must line up with the keys below.
  const bucket = sql<string>`to_char(${auditEvents.ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24":00:00Z"')`;
  const [rows, [active], autoheal] = await Promise.all([
    ctx.db
      .select({ hour: bucket, kind: auditEvents.kind, n: count() })
      .from(auditEvents)
      .where(gte(auditEvents.ts, since))
      .groupBy(sql`1`, auditEvents.kind),
    ctx.db.select({ n: count() }).from(agents).where(eq(agents.status, "active")),
    // The shared switches (an admin's PATCH wins over the environment), not this process's config.
    readState(ctx.db),
  ]);

  const hours: string[] = [];
  for (let i = WINDOW_HOURS; i >= 0; i--) hours.push(hourKey(now.getTime() - i * HOUR));
  const index = new Map(hours.map((h, i) => [h, i]));
  const byKind = new Map<string, KindSeries>();
  for (const row of rows) {
    const i = index.get(row.hour);
    if (i === undefined) continue;
    let series = byKind.get(row.kind);
    if (!series) byKind.set(row.kind, (series = { kind: row.kind, total: 0, hourly: hours.map(() => 0) }));
    series.hourly[i] = (series.hourly[i] ?? 0) + row.n;
    series.total += row.n;
  }
  const total = (kind: string) => byKind.get(kind)?.total ?? 0;
  const ok = total("action_ok");
  const failed = total("action_fail");
  return {
    since: since.toISOString(),
    until: now.toISOString(),
    hours,
    active_agents: active?.n ?? 0,
    tokens_issued: total("token.issued"),
    auth_failures: total("auth.failed"),
    actions: { ok, failed, success_rate: ok + failed > 0 ? ok / (ok + failed) : null, target: ACTION_SUCCESS_TARGET },
    autoheal: { enabled: autoheal.enabled, dry_run: autoheal.dryRun },
    kinds: [...byKind.values()].sort((a, b) => b.total - a.total || a.kind.localeCompare(b.kind)),
  };
}
