import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "./find";
import { agentView } from "./schemas";

export async function getAgent(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:read");
  const { params } = parseWithParams(raw, ["id"]);
  return agentView(await findAgent(ctx.db, params.id));
}
