import { eq, sql } from "drizzle-orm";
import { autohealState, type AutohealStateRow } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import type { Executor } from "@/lib/db/types";
import { getMetrics } from "@/lib/observability/metrics";

export type AutohealSwitches = { enabled: boolean; dryRun: boolean };

/**
 * Seeds the shared switches from AUTOHEAL_ENABLED / AUTOHEAL_DRY_RUN the first time any
 * instance starts. An existing row (an admin's toggle) is kept: environment values are
 * defaults, not overrides, so a redeploy cannot undo an operator's decision unnoticed.
 */
export async function ensureState(db: Executor): Promise<AutohealStateRow> {
  const { enabled, dryRun } = getConfig().autoheal;
  await db
    .insert(autohealState)
    .values({ id: 1, enabled, dryRun, updatedBy: "system:environment" })
    .onConflictDoNothing();
  return readState(db);
}

export async function readState(db: Executor, opts: { forUpdate?: boolean } = {}): Promise<AutohealStateRow> {
  const query = db.select().from(autohealState).where(eq(autohealState.id, 1));
  const [row] = opts.forUpdate ? await query.for("update") : await query;
  if (row) {
    observeSwitches(row);
    return row;
  }
  // Only before start-up seeded it (unit tests that skip ensureState): the env defaults.
  const { enabled, dryRun } = getConfig().autoheal;
  return { id: 1, enabled, dryRun, updatedBy: "system:environment", updatedAt: new Date(0), heartbeatAt: null, heartbeatBy: null };
}

export function observeSwitches(s: AutohealSwitches): void {
  const m = getMetrics();
  m.autohealEnabled.set(s.enabled ? 1 : 0);
  m.autohealDryRun.set(s.dryRun ? 1 : 0);
}

/** The runner's proof of life, shared by instances (the status page shows the latest). */
export async function stampHeartbeat(db: Executor, instance: string): Promise<void> {
  await db.update(autohealState).set({ heartbeatAt: sql`now()`, heartbeatBy: instance }).where(eq(autohealState.id, 1));
}
