import { desc, eq } from "drizzle-orm";
import { credentials } from "@/drizzle/schema";
import type { VerbCtx } from "@/lib/context";
import { requireScope } from "@/lib/gate/actor";
import { findAgent } from "../agents/find";
import { credentialView } from "./view";

export async function listCredentials(ctx: VerbCtx, agentId: string) {
  requireScope(ctx.actor, "agents:read");
  const agent = await findAgent(ctx.db, agentId);
  const rows = await ctx.db
    .select()
    .from(credentials)
    .where(eq(credentials.agentId, agent.id))
    .orderBy(desc(credentials.createdAt));
  return { credentials: rows.map(credentialView) };
}
