import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { noFields, parseInput } from "@/lib/validation";
import { checkpointView } from "./list";
import { sealBacklog } from "./seal";

/**
 * Seals everything committed so far, now (an operator before an export; tests). Not itself
 * audited: a checkpoint is the record, and an event about it would be left unsealed.
 */
export async function sealNow(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "admin");
  parseInput(noFields, raw);
  const sealed = await sealBacklog(ctx.db, 100);
  return { checkpoints: sealed.map(checkpointView) };
}
