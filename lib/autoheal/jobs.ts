import { and, eq, sql } from "drizzle-orm";
import { autohealAlerts, autohealJobs, type AutohealAlertRow, type AutohealJobRow } from "@/drizzle/schema";
import type { Executor } from "@/lib/db/types";
import type { Alert } from "./alertmanager-payload";

export type JobResult = "ok" | "fail" | "dry_run" | "skipped_cooldown" | "skipped_blast_radius" | "skipped_disabled";

/**
 * Claims up to `limit` jobs for this instance: queued ones that are due, and running ones
 * whose lease ran out (their instance died mid-job). SKIP LOCKED lets several instances
 * claim at once without waiting on, or double-claiming, each other's rows.
 */
export async function claimJobs(db: Executor, instance: string, limit: number, leaseMs: number): Promise<AutohealJobRow[]> {
  if (limit <= 0) return [];
  const picked = db
    .select({ id: autohealJobs.id })
    .from(autohealJobs)
    .where(
      sql`(${autohealJobs.status} = 'queued' and ${autohealJobs.runAfter} <= now())
        or (${autohealJobs.status} = 'running' and ${autohealJobs.leaseUntil} < now())`,
    )
    .orderBy(autohealJobs.id)
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(autohealJobs)
    .set({
      status: "running",
      attempts: sql`${autohealJobs.attempts} + 1`,
      leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`,
      leasedBy: instance,
    })
    .where(sql`${autohealJobs.id} in ${picked}`)
    .returning();
}

/** Extends this instance's leases; the heartbeat calls it so long actions keep their jobs. */
export async function renewLeases(db: Executor, instance: string, leaseMs: number): Promise<number> {
  const rows = await db
    .update(autohealJobs)
    .set({ leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where(and(eq(autohealJobs.status, "running"), eq(autohealJobs.leasedBy, instance)))
    .returning({ id: autohealJobs.id });
  return rows.length;
}

export async function finishJob(db: Executor, id: number, result: JobResult, detail: Record<string, unknown>): Promise<void> {
  await db
    .update(autohealJobs)
    .set({ status: result === "fail" ? "failed" : "done", result, detail, finishedAt: sql`now()`, leaseUntil: null })
    .where(eq(autohealJobs.id, id));
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
