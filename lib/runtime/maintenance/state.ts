import { sql } from "drizzle-orm";
import { maintenanceState } from "@/drizzle/schema";
import type { EventDraft } from "@/lib/audit/commit";
import type { Executor } from "@/lib/db/types";
import type { Notice } from "@/lib/events/notify";

export const MAINTENANCE_CHANNEL = "vigil_maintenance";
export const ENVIRONMENT = "system:environment";

export type Maintenance = { enabled: boolean; reason: string | null; since: string | null; by: string | null };

export const OFF: Maintenance = { enabled: false, reason: null, since: null, by: null };

export async function readMaintenance(db: Executor, opts: { forUpdate?: boolean } = {}): Promise<Maintenance> {
  const query = db.select().from(maintenanceState).where(sql`${maintenanceState.id} = 1`);
  const [row] = opts.forUpdate ? await query.for("update") : await query;
  if (!row?.enabled) return OFF;
  return { enabled: true, reason: row.reason, since: row.updatedAt.toISOString(), by: row.updatedBy };
}

/**
 * Writes the switch inside the caller's commit and returns what to record: the event, and the
 * notice every instance's view follows. Nothing when it is already in that state.
 */
export async function switchMaintenance(tx: Executor, to: { enabled: boolean; reason: string | null; by: string }): Promise<{ events: EventDraft[]; notices: Notice[] } | null> {
  const before = await readMaintenance(tx, { forUpdate: true });
  if (before.enabled === to.enabled && (!to.enabled || before.reason === to.reason)) return null;
  await tx
    .insert(maintenanceState)
    .values({ id: 1, enabled: to.enabled, reason: to.reason, updatedBy: to.by })
    .onConflictDoUpdate({ target: maintenanceState.id, set: { enabled: to.enabled, reason: to.reason, updatedBy: to.by, updatedAt: sql`now()` } });
  const source = to.by === ENVIRONMENT ? "environment" : "admin";
  return {
    events: [{ kind: to.enabled ? "maintenance.started" : "maintenance.ended", outcome: "success", metadata: { reason: to.reason, source, was_on: before.enabled } }],
    notices: [{ channel: MAINTENANCE_CHANNEL, payload: { changed: true } }],
  };
}
