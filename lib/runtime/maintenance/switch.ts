import { z } from "zod";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import { getConfig } from "@/lib/config";
import type { MachineCtx, VerbCtx } from "@/lib/context";
import { ConflictError, ServiceUnavailableError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { ENVIRONMENT, readMaintenance, switchMaintenance } from "./state";
import { maintenance } from "./view";

export const maintenanceInput = z.strictObject({
  enabled: z.boolean({ message: "enabled is true or false" }),
  reason: z.string().trim().min(1).max(500, "reason is at most 500 characters").optional(),
});

const view = (ctx: { db: VerbCtx["db"] }) => readMaintenance(ctx.db).then((m) => ({ ...m, environment: getConfig().MAINTENANCE_MODE }));

/** GET /api/v1/maintenance: on or off, why, since when and who switched it. */
export async function getMaintenance(ctx: VerbCtx) {
  requireScope(ctx.actor, "audit:read");
  return view(ctx);
}

/**
 * PATCH /api/v1/maintenance (admin): the switch and its audit event commit together; every
 * instance follows within a second. While MAINTENANCE_MODE=true holds it on, turning it off
 * is a 409 saying so (the environment would put it back at the next start).
 */
export async function setMaintenance(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "admin");
  const input = parseInput(maintenanceInput, raw);
  if (!input.enabled && getConfig().MAINTENANCE_MODE) {
    throw new ConflictError("MAINTENANCE_MODE=true holds maintenance on: unset it and restart to end it.");
  }
  await commit(ctx, async (tx) => {
    const change = await switchMaintenance(tx, { enabled: input.enabled, reason: input.enabled ? (input.reason ?? null) : null, by: ctx.actor.label });
    return { value: null, events: change?.events ?? [], notices: change?.notices ?? [] };
  });
  return view(ctx);
}

/**
 * At start: MAINTENANCE_MODE=true switches it on (audited, as the environment); a start
 * without it ends a maintenance the environment began. An admin's own switch is left alone.
 */
export async function applyMaintenanceEnvironment(ctx: MachineCtx): Promise<void> {
  // no-scope: the environment's own switch at start, made before any request is served.
  const wanted = getConfig().MAINTENANCE_MODE;
  const current = await readMaintenance(ctx.db);
  if (!wanted && !(current.enabled && current.by === ENVIRONMENT)) return;
  await commit(ctx, async (tx) => {
    const change = await switchMaintenance(tx, { enabled: wanted, reason: wanted ? "MAINTENANCE_MODE=true" : null, by: ENVIRONMENT });
    return { value: null, events: change?.events ?? [], notices: change?.notices ?? [] };
  });
}

/** The agent-facing routes' check (the route wrapper calls it): a 503 with Retry-After while on. */
export function assertOpenForAgents(): void {
  const m = maintenance();
  if (!m.enabled) return;
  const error = new ServiceUnavailableError(`Vigil is in maintenance${m.reason ? ` (${m.reason})` : ""}: try again later.`);
  error.headers["Retry-After"] = String(getConfig().MAINTENANCE_RETRY_AFTER_SECONDS);
  throw error;
}
