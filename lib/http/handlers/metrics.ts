import { timingSafeEqual } from "node:crypto";
import { count } from "drizzle-orm";
import { agents, agentStatuses } from "@/drizzle/schema";
import { observeAutoheal } from "@/lib/autoheal/scrape";
import { getConfig } from "@/lib/config";
import { UnauthorizedError } from "@/lib/errors";
import { getMetrics } from "@/lib/observability/metrics";
import type { Handler } from "../types";

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// GET /metrics – Prometheus exposition (bearer METRICS_TOKEN when set)
export const metrics: Handler = async (request, ctx) => {
  const expected = getConfig().METRICS_TOKEN;
  if (expected) {
    const given = /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
    if (!tokenMatches(given, expected)) {
      throw new UnauthorizedError("This endpoint needs the metrics bearer token.", 'Bearer realm="vigil-metrics"');
    }
  }
  const m = getMetrics();
  const rows = await ctx.db.select({ status: agents.status, n: count() }).from(agents).groupBy(agents.status);
  for (const status of agentStatuses) {
    m.agentsRegistered.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
  }
  await observeAutoheal(ctx.db);
  return new Response(await m.registry.metrics(), {
    headers: { "Content-Type": m.registry.contentType, "Cache-Control": "no-store" },
  });
};
