import { desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { autohealAlerts, autohealJobs } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { keysetPage } from "@/lib/db/page";
import { parseInput } from "@/lib/validation";

export const listActionsInput = z.strictObject({
  n: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

/** GET /api/v1/autoheal/actions: recent jobs with their results, newest first (for the console). */
export async function listActions(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(listActionsInput, raw);
  const rows = await ctx.db
    .select({ job: autohealJobs, fingerprint: autohealAlerts.fingerprint, labels: autohealAlerts.labels, alertStatus: autohealAlerts.status })
    .from(autohealJobs)
    .innerJoin(autohealAlerts, eq(autohealAlerts.id, autohealJobs.alertId))
    .where(input.before ? lt(autohealJobs.id, input.before) : undefined)
    .orderBy(desc(autohealJobs.id))
    .limit(input.n + 1);
  const page = keysetPage(rows, input.n, (last) => last.job.id);
  const actions = page.items.map(({ job, fingerprint, labels, alertStatus }) => ({
    id: job.id,
    rule: job.rule,
    alertname: job.alertname,
    fingerprint,
    labels,
    alert_status: alertStatus,
    status: job.status,
    result: job.result,
    attempts: job.attempts,
    received_at: job.receivedAt.toISOString(),
    acted_at: job.actedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null,
    detail: job.detail,
    request_id: job.requestId,
  }));
  return { actions, next_before: page.next };
}
