import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import { autohealAlerts, autohealJobs, type AutohealAlertRow, type AutohealJobRow } from "@/drizzle/schema";
import { inTransaction } from "@/lib/db/transaction";
import type { Executor } from "@/lib/db/types";
import type { Alert } from "./alertmanager-payload";

export type JobResult = "ok" | "fail" | "dry_run" | "skipped_cooldown" | "skipped_blast_radius" | "skipped_disabled";

/**
 * Claims up to `limit` jobs for this instance: queued ones that are due, and running ones
 * whose lease ran out (their instance died mid-job). SKIP LOCKED lets several instances
 * claim at once without waiting on, or double-claiming, each other's rows.
 */
export async function claimJobs(db: Executor, instance: string, limit: number, leaseMs: number, fair?: RuleRoom): Promise<AutohealJobRow[]> {
  if (limit <= 0) return [];
  const due = sql`((${autohealJobs.status} = 'queued' and ${autohealJobs.runAfter} <= now())
        or (${autohealJobs.status} = 'running' and ${autohealJobs.leaseUntil} < now()))`;
  const claimed = {
    status: "running" as const,
    attempts: sql`${autohealJobs.attempts} + 1`,
    leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`,
    leasedBy: instance,
  };
  if (!fair) {
    // One statement: the oldest due jobs, whatever their rule (tests, tools).
    const picked = db.select({ id: autohealJobs.id }).from(autohealJobs).where(due).orderBy(autohealJobs.id).limit(limit).for("update", { skipLocked: true });
    return db.update(autohealJobs).set(claimed).where(sql`${autohealJobs.id} in ${picked}`).returning();
  }
  // Fair: rules already at their limit on this instance are not looked at; of the others,
  // oldest first, at most each rule's room. Candidates are locked (SKIP LOCKED) and only the
  // chosen ones claimed; the rest are free again at commit.
  return inTransaction(db, async (tx) => {
    const candidates = await tx
      .select({ id: autohealJobs.id, rule: autohealJobs.rule })
      .from(autohealJobs)
      .where(fair.full.length > 0 ? and(due, notInArray(autohealJobs.rule, fair.full)) : due)
      .orderBy(autohealJobs.id)
      .limit(limit * 4)
      .for("update", { skipLocked: true });
    const taken = new Map<string, number>();
    const chosen: number[] = [];
    for (const c of candidates) {
      if (chosen.length >= limit) break;
      const n = taken.get(c.rule) ?? 0;
      if (n >= fair.room(c.rule)) continue;
      taken.set(c.rule, n + 1);
      chosen.push(c.id);
    }
    return chosen.length > 0 ? tx.update(autohealJobs).set(claimed).where(inArray(autohealJobs.id, chosen)).returning() : [];
  });
}

/** Per-rule limits for a claim: the rules with no room left, and how many more each may take. */
export type RuleRoom = { full: string[]; room: (rule: string) => number };

/**
 * Extends the leases of the jobs this instance is still working on (`ids`: its in-flight
 * set), not of every job it ever claimed: a job whose run failed must lapse, to be retried.
 */
export async function renewLeases(db: Executor, instance: string, leaseMs: number, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(autohealJobs)
    .set({ leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where(and(eq(autohealJobs.status, "running"), eq(autohealJobs.leasedBy, instance), inArray(autohealJobs.id, ids)))
    .returning({ id: autohealJobs.id });
  return rows.length;
}

/** This claim of the job is no longer the live one: another runner took it over. */
export class LeaseLostError extends Error {
  constructor(id: number) {
    super(`autoheal job ${id}: the lease passed to another runner; this runner's result is dropped`);
  }
}

/** The claim a runner holds: the job row while it is still leased to it, locked. */
export async function holdClaim(db: Executor, job: AutohealJobRow): Promise<AutohealJobRow> {
  const [row] = await db
    .select()
    .from(autohealJobs)
    .where(and(eq(autohealJobs.id, job.id), eq(autohealJobs.status, "running"), eq(autohealJobs.attempts, job.attempts), fenced(job)))
    .for("update");
  if (!row) throw new LeaseLostError(job.id);
  return row;
}

const fenced = (job: AutohealJobRow) => (job.leasedBy === null ? sql`${autohealJobs.leasedBy} is null` : eq(autohealJobs.leasedBy, job.leasedBy));

/**
 * Ends the job, fenced by its claim (runner and attempt): a runner whose lease lapsed and
 * was taken over cannot overwrite the new claim's result. Throws LeaseLostError (and the
 * caller's transaction, events included, rolls back) when the claim is gone.
 */
export async function finishJob(db: Executor, job: AutohealJobRow, result: JobResult, detail: Record<string, unknown>): Promise<void> {
  const rows = await db
    .update(autohealJobs)
    .set({ status: result === "fail" ? "failed" : "done", result, detail, finishedAt: sql`now()`, leaseUntil: null })
    .where(and(eq(autohealJobs.id, job.id), eq(autohealJobs.status, "running"), eq(autohealJobs.attempts, job.attempts), fenced(job)))
    .returning({ id: autohealJobs.id });
  if (rows.length === 0) throw new LeaseLostError(job.id);
}

export async function loadAlert(db: Executor, id: number): Promise<AutohealAlertRow | null> {
  const [row] = await db.select().from(autohealAlerts).where(eq(autohealAlerts.id, id));
  return row ?? null;
}

/** The stored alert in the shape rules, templates and actions take. */
export function toAlert(row: AutohealAlertRow): Alert {
  return {
    status: row.status,
    labels: row.labels,
    annotations: row.annotations,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    generatorURL: row.generatorUrl,
    fingerprint: row.fingerprint,
    alertname: row.alertname,
  };
}

/**
 * A runner's name: who it is across restarts (VIGIL_INSTANCE_ID, else the host name — a
 * pod's or container's, which a restart keeps), its process id, and a boot nonce.
 */
export function runnerInstanceId(identity: string, pid: number, boot: string): string {
  return `${identity}:${pid}:${boot}`;
}

/**
 * Jobs a previous run of this same instance left running when it died (kill -9, OOM, a
 * crash): claimable at once instead of after their whole lease. A holder is known dead when
 * it cannot be alive: on the embedded database, which one process holds at a time, every
 * other holder; on PostgreSQL, a holder with this instance's identity whose process id is
 * this process's own (a restarted container is pid 1 again) or no longer exists on this
 * host. Live processes never share an identity (two on one host differ in pid, and a live
 * pid is left alone). Returns how many jobs were freed.
 */
export async function reclaimOwnDeadLeases(db: Executor, me: { instance: string; identity: string; pid: number; embedded: boolean }): Promise<number> {
  const holders = await db
    .selectDistinct({ by: autohealJobs.leasedBy })
    .from(autohealJobs)
    .where(and(eq(autohealJobs.status, "running"), sql`${autohealJobs.leasedBy} <> ${me.instance}`));
  const dead = holders
    .map((h) => h.by)
    .filter((by): by is string => by !== null)
    .filter((by) => me.embedded || holderIsDeadHere(by, me));
  if (dead.length === 0) return 0;
  const freed = await db
    .update(autohealJobs)
    .set({ leaseUntil: sql`now() - interval '1 millisecond'` })
    .where(and(eq(autohealJobs.status, "running"), inArray(autohealJobs.leasedBy, dead)))
    .returning({ id: autohealJobs.id });
  return freed.length;
}

function holderIsDeadHere(holder: string, me: { identity: string; pid: number }): boolean {
  const prefix = `${me.identity}:`;
  if (!holder.startsWith(prefix)) return false;
  const pid = Number(holder.slice(prefix.length).split(":")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === me.pid) return true;
  try {
    process.kill(pid, 0);
    return false; // alive
  } catch (error) {
    // ESRCH: no such process. EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
