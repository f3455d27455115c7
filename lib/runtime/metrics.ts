import { count } from "drizzle-orm";
import { agents, agentStatuses } from "@/drizzle/schema";
import { observeAutoheal } from "@/lib/autoheal/scrape";
import type { MachineCtx } from "@/lib/context";
import { checkpointLagSeconds } from "@/lib/audit/checkpoints/lag";
import { currentSigningKey } from "@/lib/keys/keyring";
import { getMetrics } from "@/lib/observability/metrics";

/** The Prometheus exposition, with the gauges read from the database at scrape time. */
export async function metricsExposition(ctx: MachineCtx): Promise<{ text: string; contentType: string }> {
  const m = getMetrics();
  const rows = await ctx.db.select({ status: agents.status, n: count() }).from(agents).groupBy(agents.status);
  for (const status of agentStatuses) {
    m.agentsRegistered.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
  }
  await observeAutoheal(ctx.db);
  m.checkpointLag.set(await checkpointLagSeconds(ctx.db));
  const signing = currentSigningKey();
  if (signing) m.signingKeyAge.set(Math.max(0, (Date.now() - signing.activatesAt.getTime()) / 1000));
  return { text: await m.registry.metrics(), contentType: m.registry.contentType };
}
