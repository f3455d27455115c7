import { and, asc, desc, eq, inArray, lt } from "drizzle-orm";
import { z } from "zod";
import { autohealAlerts, autohealJobs } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { decodeCursor, encodeCursor, keysetPage } from "@/lib/db/page";
import { parseInput } from "@/lib/validation";

export const listAlertsInput = z.strictObject({
  n: z.coerce.number({ message: "n must be a number" }).int("n must be a whole number").min(1, "n is at least 1").max(200, "n is at most 200").default(50),
  cursor: z.string().max(200).optional(),
  status: z.enum(["firing", "resolved"], { message: "status is firing or resolved" }).optional(),
  alertname: z.string().min(1).max(200).optional(),
});

function cursorId(cursor: string | undefined): number | null {
  if (!cursor) return null;
  const [id = ""] = decodeCursor(cursor, "id");
  if (!/^\d{1,15}$/.test(id)) decodeCursor("", "id");
  return Number(id);
}

/**
 * GET /api/v1/autoheal/alerts: the alert episodes Alertmanager sent (one row per
 * fingerprint and start, repeats counted in `notifications`), newest first, each with the
 * jobs its rules queued and how they ended (result null: not finished yet; no jobs: no rule
 * matched). Keyset pages on the alert id.
 */
export async function listAlerts(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(listAlertsInput, raw);
  const before = cursorId(input.cursor);
  const rows = await ctx.db
    .select()
    .from(autohealAlerts)
    .where(
      and(
        before === null ? undefined : lt(autohealAlerts.id, before),
        input.status ? eq(autohealAlerts.status, input.status) : undefined,
        input.alertname ? eq(autohealAlerts.alertname, input.alertname) : undefined,
      ),
    )
    .orderBy(desc(autohealAlerts.id))
    .limit(input.n + 1);
  const page = keysetPage(rows, input.n, (last) => encodeCursor({ id: String(last.id) }));
  const ids = page.items.map((a) => a.id);
  const jobs = ids.length ? await ctx.db.select().from(autohealJobs).where(inArray(autohealJobs.alertId, ids)).orderBy(asc(autohealJobs.id)) : [];
  const alerts = page.items.map((a) => ({
    id: String(a.id),
    alertname: a.alertname,
    status: a.status,
    fingerprint: a.fingerprint,
    labels: a.labels,
    annotations: a.annotations,
    generator_url: a.generatorUrl,
    starts_at: a.startsAt.toISOString(),
    ends_at: a.endsAt?.toISOString() ?? null,
    first_received_at: a.firstReceivedAt.toISOString(),
    last_notified_at: a.lastNotifiedAt.toISOString(),
    notifications: a.notifications,
    resolved_at: a.resolvedAt?.toISOString() ?? null,
    jobs: jobs
      .filter((j) => j.alertId === a.id)
      .map((j) => ({
        id: j.id,
        rule: j.rule,
        status: j.status,
        result: j.result,
        attempts: j.attempts,
        received_at: j.receivedAt.toISOString(),
        acted_at: j.actedAt?.toISOString() ?? null,
        finished_at: j.finishedAt?.toISOString() ?? null,
        detail: j.detail,
        request_id: j.requestId,
      })),
  }));
  return { alerts, next_cursor: page.next };
}
