import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { retainNow, sealPending } from "@/lib/audit/maintenance";
import { runnerInstanceId } from "@/lib/autoheal/jobs";
import { startRunner } from "@/lib/autoheal/runner";
import { getConfig } from "@/lib/config";
import type { MachineCtx } from "@/lib/context";
import { handleOf } from "@/lib/db/client";
import { noFields, parseInput } from "@/lib/validation";

/**
 * The background work of a long-lived process, as routes Vercel Cron calls in serverless
 * mode (vercel.json), each behind CRON_SECRET. Every one is safe to call on any instance at
 * any time, and twice at once: jobs are claimed with SKIP LOCKED, checkpoints are keyed by
 * their sequence number, retention takes an advisory lock.
 */
export const cronInput = noFields;

/** Vercel's cron functions get 60 s by default (vercel.json); the runner stops claiming well before. */
export const CRON_RUNNER_BUDGET_MS = 40_000;
const CRON_DRAIN_MS = 10_000;

/** Every due autoheal job, run now; a heartbeat first (the SLO alert's proof of life). */
export async function runAutohealCron(ctx: MachineCtx, raw: unknown) {
  parseInput(cronInput, raw);
  const started = Date.now();
  const identity = getConfig().VIGIL_INSTANCE_ID ?? hostname();
  // An instance of its own per call: its leases are its own, and a call that dies with its
  // function leaves jobs whose leases lapse and the next call takes.
  const instance = runnerInstanceId(`cron-${identity}`, process.pid, randomBytes(3).toString("hex"));
  const runner = await startRunner(handleOf(ctx.db), { instance, timers: false, listen: false });
  let finished = false;
  try {
    await runner.heartbeat();
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, CRON_RUNNER_BUDGET_MS)));
    await Promise.race([runner.drain().then(() => (finished = true)), budget]);
    clearTimeout(timer);
  } finally {
    // Past the budget: what is in flight gets CRON_DRAIN_MS, then its lease lapses and the
    // next call sends it again with the same idempotency key.
    await runner.stop(CRON_DRAIN_MS);
  }
  return { instance, jobs_claimed: runner.claimed(), finished, ms: Date.now() - started };
}

/** Seals everything committed so far into checkpoints (each bounded; a backlog in several). */
export async function runSealCron(ctx: MachineCtx, raw: unknown) {
  parseInput(cronInput, raw);
  // Bounded per call (100 checkpoints of up to 100,000 events): a backlog takes several minutes' calls.
  const sealed = await sealPending(ctx.db, 100);
  return { checkpoints: sealed.map((row) => row.seq) };
}

/** Partitions ahead, and events past AUDIT_RETENTION_DAYS removed (sealed, not held). */
export async function runRetentionCron(ctx: MachineCtx, raw: unknown) {
  parseInput(cronInput, raw);
  return { retention: await retainNow(ctx.db) };
}
