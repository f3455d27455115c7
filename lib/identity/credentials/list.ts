import { desc, eq } from "drizzle-orm";
import { credentials } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseWithParams } from "@/lib/validation";
import { findAgent } from "../agents/find";
import { credentialView } from "./view";

export async function listCredentials(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:read");
  const { params } = parseWithParams(raw, ["id"]);
  const agent = await findAgent(ctx.db, params.id);
  const rows = await ctx.db
    .select()
    .from(credentials)
    .where(eq(credentials.agentId, agent.id))
    .orderBy(desc(credentials.createdAt));
  return { credentials: rows.map(credentialView) };
}
