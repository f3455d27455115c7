import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { noFields, parseInput } from "@/lib/validation";
import { formatDuration } from "./duration";
import { formatMatcher } from "./matcher";
import { currentRules } from "./rules-store";

/** GET /api/v1/autoheal/rules: the rules in force, as loaded and validated at start. */
export function listRules(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "audit:read");
  parseInput(noFields, raw);
  const set = currentRules();
  return {
    source: set.source,
    rules: set.rules.map((r) => ({
      name: r.name,
      alertname: r.alertname,
      matchers: r.matchers.map(formatMatcher),
      action: r.action.kind,
      target: r.action.target ?? null,
      cooldown: formatDuration(r.cooldownMs),
      blast_radius: { max_actions: r.blastRadius.maxActions, window: formatDuration(r.blastRadius.windowMs) },
      dry_run: r.dryRun,
    })),
  };
}
