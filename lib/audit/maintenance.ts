import { getConfig } from "@/lib/config";
import type { AuditCheckpointRow } from "@/drizzle/schema";
import type { DbHandle } from "@/lib/db/client";
import type { Db } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { getMetrics } from "@/lib/observability/metrics";
import { sealBacklog } from "./checkpoints/seal";
import { ensurePartitions } from "./retention/partitions";
import { runRetention, type RetentionResult } from "./retention/run";
import { processSingleton } from "@/lib/process/singleton";

type Maintenance = { timers: NodeJS.Timeout[]; busy: Set<string> };
const slot = () => processSingleton("audit-maintenance", (): { running?: Maintenance } => ({}));

/**
 * The log's upkeep, on every instance: partitions ahead of time, a checkpoint every
 * AUDIT_CHECKPOINT_SECONDS, retention every AUDIT_MAINTENANCE_SECONDS. Instances may overlap:
 * checkpoints are keyed by their sequence number and retention takes an advisory lock, so
 * the work is done once. A run that is still going skips its next turn.
 */
export async function startAuditMaintenance(handle: DbHandle): Promise<void> {
  if (slot().running) return;
  const config = getConfig();
  const log = getLogger();
  await ensurePartitions(handle.db);
  const m: Maintenance = { timers: [], busy: new Set() };
  slot().running = m;
  const every = (name: string, seconds: number, work: () => Promise<unknown>) => {
    const run = () => {
      if (m.busy.has(name)) return;
      m.busy.add(name);
      work()
        .catch((error: unknown) => log.warn({ err: error, job: name }, "audit maintenance failed"))
        .finally(() => m.busy.delete(name));
    };
    const timer = setInterval(run, seconds * 1000);
    timer.unref();
    m.timers.push(timer);
  };
  every("checkpoint", config.AUDIT_CHECKPOINT_SECONDS, () => sealPending(handle.db));
  every("retention", config.AUDIT_MAINTENANCE_SECONDS, () => retainNow(handle.db));
}

/**
 * The checkpoint job (this process's timer, or serverless mode's cron): everything committed
 * so far, sealed; a failure counted in vigil_audit_checkpoint_failures_total.
 */
export async function sealPending(db: Db, max?: number): Promise<AuditCheckpointRow[]> {
  try {
    return await sealBacklog(db, max);
  } catch (error) {
    getMetrics().checkpointFailures.inc();
    throw error;
  }
}

/** The retention job (timer or cron): partitions ahead, then events past AUDIT_RETENTION_DAYS removed. */
export async function retainNow(db: Db): Promise<RetentionResult> {
  await ensurePartitions(db);
  const result = await runRetention(db);
  if (result) getLogger().info({ retention: result }, "audit retention removed expired events");
  return result;
}

export function stopAuditMaintenance(): void {
  const m = slot().running;
  if (!m) return;
  for (const t of m.timers) clearInterval(t);
  slot().running = undefined;
}
