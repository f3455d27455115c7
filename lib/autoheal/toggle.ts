import { sql } from "drizzle-orm";
import { z } from "zod";
import { autohealState } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { commit } from "@/lib/audit/commit";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";
import { observeSwitches, readState } from "./state";
import { autohealStatus } from "./status";

export const toggleInput = z
  .strictObject({ enabled: z.boolean().optional(), dry_run: z.boolean().optional() })
  .refine((t) => t.enabled !== undefined || t.dry_run !== undefined, { message: "send enabled and/or dry_run", path: ["enabled"] });

/**
 * PATCH /api/v1/autoheal: the shared switches, admin only. The change and its
 * autoheal_toggled event commit together; every instance reads the row at its next decision.
 */
export async function toggleAutoheal(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "admin");
  const input = parseInput(toggleInput, raw);
  await commit(ctx, async (tx) => {
    const before = await readState(tx, { forUpdate: true });
    const after = { enabled: input.enabled ?? before.enabled, dryRun: input.dry_run ?? before.dryRun };
    await tx
      .insert(autohealState)
      .values({ id: 1, ...after, updatedBy: ctx.actor.label })
      .onConflictDoUpdate({ target: autohealState.id, set: { ...after, updatedBy: ctx.actor.label, updatedAt: sql`now()` } });
    return {
      value: null,
      events: [
        {
          kind: "autoheal_toggled",
          outcome: "success",
          metadata: { before: { enabled: before.enabled, dry_run: before.dryRun }, after: { enabled: after.enabled, dry_run: after.dryRun } },
        },
      ],
    };
  });
  const state = await readState(ctx.db);
  observeSwitches(state);
  // The admin who asked may see who changed them last; the public status does not say.
  return { ...(await autohealStatus(ctx)), updated_by: state.updatedBy };
}
