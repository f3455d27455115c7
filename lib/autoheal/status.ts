import { desc, gt, sql } from "drizzle-orm";
import { autohealCooldowns } from "@/drizzle/schema";
import type { Db } from "@/lib/db/types";
import { currentRules } from "./rules-store";
import { readState } from "./state";

/** GET /api/autoheal/status: public, so nothing here names hosts, labels, secrets or people. */
export async function autohealStatus(ctx: { db: Db }) {
  const state = await readState(ctx.db);
  const cooldowns = await ctx.db
    .select({ rule: autohealCooldowns.rule, alertname: autohealCooldowns.alertname, until: autohealCooldowns.until })
    .from(autohealCooldowns)
    .where(gt(autohealCooldowns.until, sql`now()`))
    .orderBy(desc(autohealCooldowns.until))
    .limit(100);
  const now = Date.now();
  return {
    enabled: state.enabled,
    dry_run: state.dryRun,
    // Who flipped the switches is in the audit log (autoheal_toggled), not on a public page.
    updated_at: state.updatedAt.toISOString(),
    last_heartbeat: state.heartbeatAt?.toISOString() ?? null,
    rules: currentRules().rules.length,
    active_cooldowns: cooldowns.map((c) => ({
      rule: c.rule,
      alertname: c.alertname,
      until: c.until.toISOString(),
      remaining_seconds: Math.max(0, Math.ceil((c.until.getTime() - now) / 1000)),
    })),
  };
}
