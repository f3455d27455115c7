import { desc, eq, gt, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { autohealAlerts, autohealCooldowns, autohealJobs } from "@/drizzle/schema";
import { auditOrigin, type VerbCtx } from "@/lib/context";
import type { Executor } from "@/lib/db/types";
import { requireScope } from "@/lib/gate/actor";
import { parseInput } from "@/lib/validation";
import { autohealState } from "@/drizzle/schema";
import { formatDuration } from "./duration";
import { formatMatcher } from "./matcher";
import { commitWithEvents } from "./record";
import { currentRules } from "./rules-store";
import { observeSwitches, readState } from "./state";

/** GET /api/autoheal/status: public, so nothing here names hosts, labels or secrets. */
export async function autohealStatus(db: Executor) {
  const state = await readState(db);
  const cooldowns = await db
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

export const toggleInput = z
  .strictObject({ enabled: z.boolean().optional(), dry_run: z.boolean().optional() })
  .refine((t) => t.enabled !== undefined || t.dry_run !== undefined, { message: "send enabled and/or dry_run", path: ["enabled"] });

/**
 * PATCH /api/v1/autoheal: the shared switches, admin only. The change and its
 * autoheal_toggled event commit together; every instance reads the row at its next decision.
 */
export async function toggleAutoheal(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "admin");
  const input = parseInput(toggleInput, raw);
  await commitWithEvents(ctx.db, async (tx) => {
    const before = await readState(tx, { forUpdate: true });
    const after = { enabled: input.enabled ?? before.enabled, dryRun: input.dry_run ?? before.dryRun };
    await tx
      .insert(autohealState)
      .values({ id: 1, ...after, updatedBy: ctx.actor.label })
      .onConflictDoUpdate({ target: autohealState.id, set: { ...after, updatedBy: ctx.actor.label, updatedAt: sql`now()` } });
    return {
      value: null,
      events: [
        {
          ...auditOrigin(ctx),
          kind: "autoheal_toggled",
          outcome: "success",
          metadata: { before: { enabled: before.enabled, dry_run: before.dryRun }, after: { enabled: after.enabled, dry_run: after.dryRun } },
        },
      ],
    };
  });
  const state = await readState(ctx.db);
  observeSwitches(state);
  // The admin who asked may see who changed them last; the public status does not say.
  return { ...(await autohealStatus(ctx.db)), updated_by: state.updatedBy };
}

/** GET /api/v1/autoheal: the public status plus who changed the switches last (readers). */
export async function autohealStatusForReader(ctx: VerbCtx) {
  requireScope(ctx.actor, "audit:read");
  const state = await readState(ctx.db);
  return { ...(await autohealStatus(ctx.db)), updated_by: state.updatedBy };
}

/** GET /api/v1/autoheal/rules: the rules in force, as loaded and validated at start. */
export function listRules(ctx: VerbCtx) {
  requireScope(ctx.actor, "audit:read");
  const set = currentRules();
  return {
    source: set.source,
    rules: set.rules.map((r) => ({
      name: r.name,
      alertname: r.alertname,
      matchers: r.matchers.map(formatMatcher),
      action: r.action.kind,
      target: r.action.target ?? null,
      cooldown: formatDuration(r.cooldownMs),
      blast_radius: { max_actions: r.blastRadius.maxActions, window: formatDuration(r.blastRadius.windowMs) },
      dry_run: r.dryRun,
    })),
  };
}

const listActionsInput = z.strictObject({
  n: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

/** GET /api/v1/autoheal/actions: recent jobs with their results, newest first (for the console). */
export async function listActions(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(listActionsInput, raw);
  const rows = await ctx.db
    .select({ job: autohealJobs, fingerprint: autohealAlerts.fingerprint, labels: autohealAlerts.labels, alertStatus: autohealAlerts.status })
    .from(autohealJobs)
    .innerJoin(autohealAlerts, eq(autohealAlerts.id, autohealJobs.alertId))
    .where(input.before ? lt(autohealJobs.id, input.before) : undefined)
    .orderBy(desc(autohealJobs.id))
    .limit(input.n);
  const actions = rows.map(({ job, fingerprint, labels, alertStatus }) => ({
    id: job.id,
    rule: job.rule,
    alertname: job.alertname,
    fingerprint,
    labels,
    alert_status: alertStatus,
    status: job.status,
    result: job.result,
    attempts: job.attempts,
    received_at: job.receivedAt.toISOString(),
    acted_at: job.actedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null,
    detail: job.detail,
    request_id: job.requestId,
  }));
  const last = actions.at(-1);
  return { actions, next_before: actions.length === input.n && last ? last.id : null };
}
