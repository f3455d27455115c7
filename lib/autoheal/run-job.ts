import { and, eq, gt, sql } from "drizzle-orm";
import { autohealCooldowns, autohealJobs, type AutohealAlertRow, type AutohealJobRow } from "@/drizzle/schema";
import { queryRows } from "@/lib/db/rows";
import { commit, type EventDraft } from "@/lib/audit/commit";
import type { EventKind } from "@/lib/audit/kinds";
import type { MachineCtx } from "@/lib/context";
import type { Db } from "@/lib/db/types";
import { getMetrics } from "@/lib/observability/metrics";
import { executePlan } from "./actions/registry";
import { redactPlan } from "./actions/redact";
import type { ActionPlan, ActionResult } from "./actions/types";
import { cooldownKey, decide } from "./cooldown";
import { finishJob, holdClaim, LeaseLostError, loadAlert, toAlert, type JobResult } from "./jobs";
import { isDryRun, type Rule, type RuleSet } from "./rules";
import { readState } from "./state";

export const RUNNER_ACTOR = "system:autoheal";

/** A job claimed this many times without finishing (its instances kept dying) is given up. */
export const MAX_ATTEMPTS = 3;

// Namespace of the per-rule advisory lock (two-int form: cannot collide with the audit tail
// lock, which uses the one-bigint form).
export const RULE_LOCK = 0x4148; // "AH"

export type RunContext = { instance: string; rules: RuleSet; signal: AbortSignal; fetch?: typeof fetch };

type Job = AutohealJobRow;

/**
 * Runs one claimed job to its end: decide (cooldown, blast radius, switches) under a per-rule
 * lock, then record a dry run or send the action and record its result.
 *
 * Exactly once across instances: the claim (SKIP LOCKED) gives a job to one runner, and the
 * decision commits `acted_at` plus the cooldown before anything is sent. A job re-claimed
 * after its lease ran out with `acted_at` already set skips the decision and sends again:
 * after a crash mid-action, at-least-once is the only honest promise (targets should be
 * idempotent; the webhook action's retries already assume it).
 */
export async function runJob(db: Db, job: Job, ctx: RunContext): Promise<JobResult> {
  const alertRow = await loadAlert(db, job.alertId);
  const rule = ctx.rules.rules.find((r) => r.name === job.rule);
  if (!alertRow || !rule) {
    const error = !alertRow ? "the alert row is gone" : `rule "${job.rule}" is no longer in the rules file`;
    return fail(db, job, alertRow, { error });
  }
  if (job.attempts > MAX_ATTEMPTS) {
    return fail(db, job, alertRow, { error: `gave up after ${MAX_ATTEMPTS} claims whose leases ran out` });
  }
  let plan: ActionPlan;
  if (job.actedAt === null) {
    const decided = await decideAndReserve(db, job, alertRow, rule);
    if (decided.kind === "finished") return decided.result;
    plan = decided.plan;
  } else {
    // Re-claimed after its runner died having decided to act. The switches may have been
    // turned since (the emergency stop, dry run back on): they win over the old decision.
    const state = await readState(db);
    if (!state.enabled) return record(db, job, alertRow, "skipped_disabled", "action_skipped_disabled", { reason: "re-claimed while autoheal is off" });
    plan = makePlan(rule, alertRow, job, new Date());
    if (isDryRun(rule, state.dryRun)) {
      const shown = redactPlan(plan);
      return record(db, job, alertRow, "dry_run", "action_dry_run", { plan: shown, summary: shown.summary, reason: "re-claimed while in dry run" });
    }
  }
  if (ctx.signal.aborted) return "fail"; // stopping: the lease runs out and another runner takes it
  const result = await executePlan(plan, { signal: ctx.signal, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
  if (!result.ok && result.error === "aborted" && ctx.signal.aborted) return "fail";
  const shown = redactPlan(plan);
  return record(db, job, alertRow, result.ok ? "ok" : "fail", result.ok ? "action_ok" : "action_fail", {
    plan: shown,
    summary: shown.summary,
    ...resultFacts(result),
  });
}

type Decided = { kind: "finished"; result: JobResult } | { kind: "act"; plan: ActionPlan };

/** The runner acts for nobody but itself; its events carry the request that queued the job. */
function runnerCtx(db: Db, job: Job): MachineCtx {
  return { db, by: RUNNER_ACTOR, requestId: job.requestId, ip: null, userAgent: null };
}

async function decideAndReserve(db: Db, job: Job, alertRow: AutohealAlertRow, rule: Rule): Promise<Decided> {
  // no-scope: the runner's own decision about a job it claimed; no caller to check.
  const decided = await commit<Decided>(runnerCtx(db, job), async (tx) => {
    // One decision per rule at a time across instances: the cooldown row and the blast-radius
    // count are read and reserved under this lock, so two runners cannot both pass them.
    await tx.execute(sql`select pg_advisory_xact_lock(${RULE_LOCK}, hashtext(${rule.name}))`);
    // Still ours, and still undecided? (A lapsed lease may have been taken over meanwhile.)
    const claim = await holdClaim(tx, job);
    if (claim.actedAt !== null) throw new LeaseLostError(job.id);
    // The time after the lock, not now() (this transaction's start): a decision that began
    // before another runner's but waited for the lock would otherwise see that runner's
    // acted_at as "in the future", leave it out of the blast radius and act once too often.
    const [{ now } = { now: new Date() }] = await queryRows<{ now: Date | string }>(tx, sql`select clock_timestamp() as now`);
    const at = new Date(now);
    const state = await readState(tx);
    const event = (kind: EventKind, result: JobResult, metadata: Record<string, unknown>) => ({
      value: { kind: "finished" as const, result },
      events: [jobEvent(job, alertRow, kind, result, metadata)],
    });
    if (!state.enabled) {
      await finishJob(tx, job, "skipped_disabled", {});
      return event("action_skipped_disabled", "skipped_disabled", {});
    }
    const key = cooldownKey(rule.name, alertRow.labels);
    const [cooldown] = await tx.select().from(autohealCooldowns).where(eq(autohealCooldowns.key, key));
    const recent = await tx
      .select({ actedAt: autohealJobs.actedAt })
      .from(autohealJobs)
      .where(and(eq(autohealJobs.rule, rule.name), gt(autohealJobs.actedAt, new Date(at.getTime() - rule.blastRadius.windowMs))));
    const decision = decide({
      rule,
      now: at,
      lastActionAt: cooldown?.lastActionAt ?? null,
      recentActions: recent.flatMap((r) => (r.actedAt ? [r.actedAt] : [])),
      globalDryRun: state.dryRun,
    });
    if (decision.verdict === "cooldown") {
      const detail = { reason: "cooldown", remaining_ms: decision.remainingMs, cooldown_key: key };
      await finishJob(tx, job, "skipped_cooldown", detail);
      return event("action_skipped_cooldown", "skipped_cooldown", detail);
    }
    if (decision.verdict === "blast_radius") {
      // Recorded under the same kind: a blast radius is the rule's cooldown over all alerts.
      const detail = { reason: "blast_radius", in_window: decision.inWindow, retry_after_ms: decision.retryAfterMs, max_actions: rule.blastRadius.maxActions };
      await finishJob(tx, job, "skipped_blast_radius", detail);
      return event("action_skipped_cooldown", "skipped_blast_radius", detail);
    }
    let planned: ActionPlan;
    try {
      planned = makePlan(rule, alertRow, job, at);
    } catch (error) {
      // A plan that cannot be made (a silence with no Alertmanager URL) fails the job.
      const detail = { error: (error as Error).message };
      await finishJob(tx, job, "fail", detail);
      return event("action_fail", "fail", detail);
    }
    const until = new Date(at.getTime() + rule.cooldownMs);
    await tx
      .insert(autohealCooldowns)
      .values({ key, rule: rule.name, alertname: alertRow.alertname, labels: alertRow.labels, lastActionAt: at, until })
      .onConflictDoUpdate({ target: autohealCooldowns.key, set: { lastActionAt: at, until } });
    await tx.update(autohealJobs).set({ actedAt: at }).where(eq(autohealJobs.id, claim.id));
    if (decision.dryRun) {
      // The canary: the exact request, secrets redacted, and nothing sent.
      const shown = redactPlan(planned);
      const detail = { plan: shown, summary: shown.summary, latency_ms: latency(job, at) };
      await finishJob(tx, job, "dry_run", { summary: shown.summary });
      return event("action_dry_run", "dry_run", detail);
    }
    return { value: { kind: "act" as const, plan: planned }, events: [] };
  });
  if (decided.kind === "finished") countAction(alertRow.alertname, decided.result);
  return decided;
}

/** The rule's plan for this alert, carrying the intake's request id on to the target. */
/**
 * The job's action. Every attempt carries the same `Idempotency-Key` (the job's id): an
 * action cut off by a shutdown or a crash is sent again by the next runner, and a target can
 * drop the repeat. Silences name the job in their comment for the same reason.
 */
function makePlan(rule: Rule, alertRow: AutohealAlertRow, job: Job, now: Date): ActionPlan {
  const plan = rule.action.plan({ alert: toAlert(alertRow), rule: rule.name, now, job: job.id });
  const headers: Record<string, string> = { ...plan.request.headers, "Idempotency-Key": idempotencyKey(job.id) };
  if (job.requestId) headers["X-Request-Id"] = job.requestId;
  return { ...plan, request: { ...plan.request, headers } };
}

export const idempotencyKey = (jobId: number) => `vigil-autoheal-job-${jobId}`;

function resultFacts(r: ActionResult): Record<string, unknown> {
  return {
    status: r.status,
    attempts: r.attempts,
    duration_ms: r.durationMs,
    ...(r.error ? { error: r.error } : {}),
    ...(r.detail?.silenceId ? { silence_id: r.detail.silenceId } : {}),
  };
}

async function fail(db: Db, job: Job, alertRow: AutohealAlertRow | null, detail: Record<string, unknown>): Promise<JobResult> {
  return record(db, job, alertRow, "fail", "action_fail", detail);
}

async function record(
  db: Db,
  job: Job,
  alertRow: AutohealAlertRow | null,
  result: JobResult,
  kind: EventKind,
  metadata: Record<string, unknown>,
): Promise<JobResult> {
  // no-scope: records the outcome of the runner's own job.
  await commit(runnerCtx(db, job), async (tx) => {
    await finishJob(tx, job, result, withoutPlan(metadata));
    return { value: null, events: [jobEvent(job, alertRow, kind, result, metadata)] };
  });
  countAction(alertRow?.alertname ?? job.alertname, result);
  return result;
}

// The job row keeps the outcome, not the request: even redacted, a plan belongs in the log.
function withoutPlan(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => key !== "plan"));
}

function jobEvent(job: Job, alertRow: AutohealAlertRow | null, kind: EventKind, result: JobResult, metadata: Record<string, unknown>): EventDraft {
  return {
    kind,
    outcome: result === "fail" ? "failure" : "success",
    alertname: alertRow?.alertname ?? job.alertname,
    rule: job.rule,
    labels: alertRow?.labels ?? null,
    metadata: {
      result,
      job_id: job.id,
      attempt: job.attempts,
      fingerprint: alertRow?.fingerprint ?? null,
      starts_at: alertRow?.startsAt.toISOString() ?? null,
      ...metadata,
    },
  };
}

function latency(job: Job, at: Date): number {
  return Math.max(0, at.getTime() - job.receivedAt.getTime());
}

function countAction(alertname: string, result: JobResult): void {
  getMetrics().autohealActions.inc({ alertname, result });
}
