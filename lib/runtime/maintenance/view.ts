import type { DbHandle } from "@/lib/db/client";
import { follow, type Listener } from "@/lib/events/notify";
import { getLogger } from "@/lib/observability/logger";
import { processSingleton } from "@/lib/process/singleton";
import { OFF, MAINTENANCE_CHANNEL, readMaintenance, type Maintenance } from "./state";

type View = { current: Maintenance; listener?: Listener };
const view = () => processSingleton("maintenance-view", (): View => ({ current: OFF }));

/** What the agent-facing routes check on every request: memory, no database. */
export const maintenance = (): Maintenance => view().current;

/**
 * Follows the shared switch: this instance's own change at once, other instances' through
 * LISTEN (well within a second), and a full read every 10 s for anything missed.
 */
export async function startMaintenanceView(handle: DbHandle): Promise<void> {
  const v = view();
  if (v.listener) return;
  const reload = async () => {
    v.current = await readMaintenance(handle.db);
  };
  await reload();
  v.listener = await follow(handle, MAINTENANCE_CHANNEL, {
    apply: () => void reload().catch((error: unknown) => getLogger().warn({ err: error }, "maintenance state reload failed")),
    reload,
    reloadEveryMs: 10_000,
    onReloadError: (error) => getLogger().warn({ err: error }, "maintenance state reload failed"),
  });
}

export async function stopMaintenanceView(): Promise<void> {
  const v = view();
  await v.listener?.stop();
  v.listener = undefined;
}
