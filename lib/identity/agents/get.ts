import type { VerbCtx } from "@/lib/context";
import { requireScope } from "@/lib/gate/actor";
import { findAgent } from "./find";
import { agentView } from "./schemas";

export async function getAgent(ctx: VerbCtx, id: string) {
  requireScope(ctx.actor, "agents:read");
  return agentView(await findAgent(ctx.db, id));
}
