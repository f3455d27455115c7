import { sql } from "drizzle-orm";
import { queryRows } from "@/lib/db/rows";
import type { Executor } from "@/lib/db/types";
import { getMetrics } from "@/lib/observability/metrics";
import { readState } from "./state";

/**
 * The shared autoheal facts, read at scrape time like vigil_agents_registered: every
 * instance reports the same switches and cooldowns, whichever of them set them.
 */
export async function observeAutoheal(db: Executor): Promise<void> {
  await readState(db); // sets autoheal_enabled / autoheal_dry_run
  const rows = await queryRows<{ alertname: string; seconds: number | string }>(
    db,
    sql`select alertname, max(extract(epoch from (until - now()))) as seconds
      from autoheal_cooldowns where until > now() group by alertname`,
  );
  const gauge = getMetrics().autohealCooldownRemaining;
  gauge.reset();
  for (const r of rows) gauge.set({ alertname: r.alertname }, Math.max(0, Number(r.seconds)));
}
