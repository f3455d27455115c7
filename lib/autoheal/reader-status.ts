import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { noFields, parseInput } from "@/lib/validation";
import { readState } from "./state";
import { autohealStatus } from "./status";

/** GET /api/v1/autoheal: the public status plus who changed the switches last (readers). */
export async function autohealStatusForReader(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "audit:read");
  parseInput(noFields, raw);
  const state = await readState(ctx.db);
  return { ...(await autohealStatus(ctx)), updated_by: state.updatedBy };
}
