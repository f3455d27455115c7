import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { getConfig } from "@/lib/config";
import type { DbHandle } from "@/lib/db/client";
import { listen, type Listener } from "@/lib/events/notify";
import { getLogger } from "@/lib/observability/logger";
import { getMetrics } from "@/lib/observability/metrics";
import { AUTOHEAL_JOBS_CHANNEL } from "./intake";
import { claimJobs, LeaseLostError, reclaimOwnDeadLeases, renewLeases, runnerInstanceId, type RuleRoom } from "./jobs";
import { commit } from "@/lib/audit/commit";
import { noRequest } from "@/lib/context";
import { RUNNER_ACTOR, runJob } from "./run-job";
import { currentRules } from "./rules-store";
import type { RuleSet } from "./rules";
import { stampHeartbeat } from "./state";
import { processSingleton } from "@/lib/process/singleton";
import { isServing, whenListening } from "@/lib/process/serving";

export type RunnerOptions = {
  instance?: string;
  /** Fallback poll (due run_after, expired leases, a missed NOTIFY). */
  pollMs?: number;
  heartbeatMs?: number;
  leaseMs?: number;
  /** Jobs in flight at once on this instance. */
  concurrency?: number;
  /** Jobs of one rule in flight at once (AUTOHEAL_RULE_CONCURRENCY): a slow target cannot take every slot. */
  ruleConcurrency?: number;
  rules?: () => RuleSet;
  fetch?: typeof fetch;
  /** Tests drive the loop themselves. */
  timers?: boolean;
  /** Wake on the intake's NOTIFY (default). Off for a one-shot drain (serverless cron). */
  listen?: boolean;
};

export type Runner = {
  instance: string;
  /** Claims and runs what is due now; resolves when this round's jobs are finished. */
  drain: () => Promise<void>;
  /** Jobs this runner has claimed so far. */
  claimed: () => number;
  heartbeat: () => Promise<void>;
  /**
   * Claims nothing more; what is in flight gets up to `drainMs` to finish (and record its
   * outcome), then is aborted: its lease lapses and another runner sends it again, with the
   * same idempotency key.
   */
  stop: (drainMs?: number) => Promise<void>;
};

/**
 * The job runner, on every instance. It wakes on the intake's NOTIFY (the < 100 ms path from
 * webhook to action), polls every second as a fallback, claims with SKIP LOCKED, and runs up
 * to `concurrency` jobs at once. A heartbeat every AUTOHEAL_HEARTBEAT_SECONDS records a
 * `heartbeat` event (proof of life for the SLO alert) and renews the leases of the jobs this
 * instance is still working on, so only a dead instance's jobs are taken over.
 */
export async function startRunner(handle: DbHandle, opts: RunnerOptions = {}): Promise<Runner> {
  const config = getConfig().autoheal;
  const log = getLogger();
  const identity = getConfig().VIGIL_INSTANCE_ID ?? hostname();
  const instance = opts.instance ?? runnerInstanceId(identity, process.pid, randomBytes(3).toString("hex"));
  const leaseMs = opts.leaseMs ?? config.leaseMs;
  const concurrency = opts.concurrency ?? 16;
  const perRule = opts.ruleConcurrency ?? config.ruleConcurrency;
  // The rule of each job in flight: the claim leaves out rules at their limit.
  const inFlightRules = new Map<number, string>();
  const ruleRoom = (): RuleRoom => {
    const counts = new Map<string, number>();
    for (const rule of inFlightRules.values()) counts.set(rule, (counts.get(rule) ?? 0) + 1);
    return { full: [...counts].filter(([, n]) => n >= perRule).map(([rule]) => rule), room: (rule) => perRule - (counts.get(rule) ?? 0) };
  };
  const rules = opts.rules ?? currentRules;
  const abort = new AbortController();
  const inFlight = new Map<number, Promise<unknown>>();
  let looping: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let claimedCount = 0;

  const runOne = (job: Awaited<ReturnType<typeof claimJobs>>[number]) => {
    const p = runJob(handle.db, job, { instance, rules: rules(), signal: abort.signal, ...(opts.fetch ? { fetch: opts.fetch } : {}) })
      .catch((error: unknown) => {
        if (error instanceof LeaseLostError) log.warn({ job: job.id }, error.message);
        // No longer in flight, so no longer renewed: the lease lapses and a runner retries it
        // (up to MAX_ATTEMPTS claims), re-checking the switches before it sends anything.
        else log.error({ err: error, job: job.id }, "autoheal job failed to run; its lease will expire and it will be retried");
      })
      .finally(() => {
        inFlight.delete(job.id);
        inFlightRules.delete(job.id);
        wake(); // a slot is free
      });
    inFlight.set(job.id, p);
    inFlightRules.set(job.id, job.rule);
    claimedCount += 1;
  };

  const loop = async () => {
    do {
      again = false;
      while (!stopped && inFlight.size < concurrency) {
        const jobs = await claimJobs(handle.db, instance, concurrency - inFlight.size, leaseMs, ruleRoom());
        for (const job of jobs) runOne(job);
        if (jobs.length === 0) break;
      }
    } while (again && !stopped);
  };

  function wake(): void {
    if (stopped) return;
    if (looping) {
      again = true;
      return;
    }
    looping = loop()
      .catch((error: unknown) => log.warn({ err: error }, "autoheal claim failed"))
      .finally(() => {
        looping = null;
        if (again) wake();
      });
  }

  const heartbeat = async () => {
    // Leases first and on their own: the heartbeat's event waits for the log's tail lock,
    // and a renewal must not wait behind it.
    const renewed = await renewLeases(handle.db, instance, leaseMs, [...inFlight.keys()]);
    // A process whose server is not listening must not look alive to the heartbeat alert.
    if (!isServing()) return;
    // no-scope: the runner's proof of life.
    await commit({ ...noRequest, db: handle.db, by: RUNNER_ACTOR }, async (tx) => {
      await stampHeartbeat(tx, instance);
      return { value: null, events: [{ kind: "heartbeat", outcome: "success", metadata: { instance, jobs_in_flight: renewed } }] };
    });
    getMetrics().autohealHeartbeat.set(Date.now() / 1000);
  };

  if (opts.instance === undefined) {
    // After a crash, this instance's last run left its jobs leased: take them back now.
    const freed = await reclaimOwnDeadLeases(handle.db, { instance, identity, pid: process.pid, embedded: handle.kind === "pglite" });
    if (freed > 0) log.warn({ jobs: freed }, "autoheal: reclaimed jobs a previous run of this instance left in flight; they run again now, with their idempotency keys");
  }
  const listener: Listener = opts.listen === false ? { stop: async () => {} } : await listen(handle, AUTOHEAL_JOBS_CHANNEL, wake, wake);
  const timers: NodeJS.Timeout[] = [];
  let stopWatching: () => void = () => {};
  if (opts.timers !== false) {
    await heartbeat().catch((error: unknown) => log.warn({ err: error }, "autoheal heartbeat failed"));
    timers.push(setInterval(wake, opts.pollMs ?? 1000));
    timers.push(
      setInterval(() => {
        heartbeat().catch((error: unknown) => log.warn({ err: error }, "autoheal heartbeat failed"));
      }, opts.heartbeatMs ?? config.heartbeatMs),
    );
    for (const t of timers) t.unref();
    // Started before the server listened: the first proof of life as soon as it does.
    stopWatching = whenListening(() => {
      heartbeat().catch((error: unknown) => log.warn({ err: error }, "autoheal heartbeat failed"));
    });
    wake();
  }

  return {
    instance,
    heartbeat,
    claimed: () => claimedCount,
    drain: async () => {
      wake();
      while (looping || inFlight.size > 0) await Promise.all([looping, ...inFlight.values()]);
    },
    stop: async (drainMs = 0) => {
      stopped = true;
      stopWatching();
      for (const t of timers) clearInterval(t);
      await listener.stop().catch(() => {});
      if (drainMs > 0 && inFlight.size > 0) {
        log.info({ jobs: inFlight.size, drain_ms: drainMs }, "autoheal: letting actions in flight finish");
        let timer: NodeJS.Timeout | undefined;
        const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)));
        await Promise.race([Promise.all([looping, ...inFlight.values()]), timeUp]);
        clearTimeout(timer);
        if (inFlight.size > 0) log.warn({ jobs: [...inFlight.keys()] }, "autoheal: actions cut off by shutdown; their leases lapse and they are retried with the same idempotency key");
      }
      abort.abort();
      await Promise.all([looping, ...inFlight.values()]);
    },
  };
}

const slot = () => processSingleton("autoheal-runner", (): { runner?: Promise<Runner> } => ({}));

/** The process's runner (started by lib/runtime/start.ts). */
export function startProcessRunner(handle: DbHandle): Promise<Runner> {
  const s = slot();
  s.runner ??= startRunner(handle);
  return s.runner;
}

export async function stopProcessRunner(drainMs = 0): Promise<void> {
  const s = slot();
  const pending = s.runner;
  s.runner = undefined;
  if (pending) await (await pending).stop(drainMs);
}
