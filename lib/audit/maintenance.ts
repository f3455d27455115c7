import { getConfig } from "@/lib/config";
import type { DbHandle } from "@/lib/db/client";
import { getLogger } from "@/lib/observability/logger";
import { getMetrics } from "@/lib/observability/metrics";
import { sealCheckpoint } from "./checkpoints/seal";
import { ensurePartitions } from "./retention/partitions";
import { runRetention } from "./retention/run";
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
  every("checkpoint", config.AUDIT_CHECKPOINT_SECONDS, async () => {
    try {
      while (await sealCheckpoint(handle.db)); // a backlog is sealed in bounded checkpoints
    } catch (error) {
      getMetrics().checkpointFailures.inc();
      throw error;
    }
  });
  every("retention", config.AUDIT_MAINTENANCE_SECONDS, async () => {
    await ensurePartitions(handle.db);
    const result = await runRetention(handle.db);
    if (result) log.info({ retention: result }, "audit retention removed expired events");
  });
}

export function stopAuditMaintenance(): void {
  const m = slot().running;
  if (!m) return;
  for (const t of m.timers) clearInterval(t);
  slot().running = undefined;
}
