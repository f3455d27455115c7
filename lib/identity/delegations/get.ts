import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseWithParams } from "@/lib/validation";
import { findGrant } from "./find";
import { grantView } from "./schemas";

/** One grant (readers of delegations see every grant, as audit readers see every delegation event). */
export async function getDelegation(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "delegations:read");
  const { params } = parseWithParams(raw, ["id"]);
  return grantView(await findGrant(ctx.db, params.id));
}
