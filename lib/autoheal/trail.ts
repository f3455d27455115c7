import { inArray } from "drizzle-orm";
import { z } from "zod";
import { auditEvents } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import { auditPage, toView } from "@/lib/audit/list";
import { AUTOHEAL_KINDS } from "@/lib/audit/kinds";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";

export const autohealTrailInput = z
  .object({
    n: z.coerce
      .number({ message: "n must be a number" })
      .int("n must be a whole number")
      .default(50)
      .transform((n) => Math.min(1000, Math.max(1, n))),
  })
  .strict();

// The heartbeat (every 30 s per instance) would be most of any page; /api/autoheal/status
// shows the last one, and the full log still has them.
const TRAIL_KINDS = [...AUTOHEAL_KINDS].filter((kind) => kind !== "heartbeat");

/**
 * GET /audit?n=: autoheal's own trail in the shape the seed's autoheal guide reads
 * (`.events[] | {ts, kind, alertname, result}`), newest first: the alert and action events
 * of the one log, each with `result` (ok, fail, dry_run, skipped, ...) lifted from its
 * metadata beside Vigil's own fields.
 */
export async function autohealTrail(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  const { n } = parseInput(autohealTrailInput, raw);
  const rows = await auditPage(ctx.db, [inArray(auditEvents.kind, TRAIL_KINDS)], null, n);
  return {
    events: rows.map((row) => {
      const view = toView(row);
      const meta = view.metadata as Record<string, unknown> | null;
      const result = typeof meta?.result === "string" ? meta.result : view.outcome;
      return { ...view, result };
    }),
  };
}
