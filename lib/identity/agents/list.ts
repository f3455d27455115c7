import { and, desc, eq, ilike, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { agents, agentStatuses } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { decodeCursor, encodeCursor, keysetPage } from "@/lib/db/page";
import { parseInput } from "@/lib/validation";
import { agentView } from "./schemas";

export const listAgentsInput = z
  .object({
    status: z.enum(agentStatuses, { message: `status is one of ${agentStatuses.join(", ")}` }).optional(),
    owner: z.string().min(1).max(200).optional(),
    search: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional(),
  })
  .strict();

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Newest first; keyset pagination on (created_at, id). */
export async function listAgents(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "agents:read");
  const input = parseInput(listAgentsInput, raw);
  const filters: SQL[] = [];
  if (input.status) filters.push(eq(agents.status, input.status));
  if (input.owner) filters.push(eq(agents.owner, input.owner));
  if (input.search) {
    const pattern = `%${likeEscape(input.search)}%`;
    const match = or(ilike(agents.name, pattern), ilike(agents.email, pattern));
    if (match) filters.push(match);
  }
  if (input.cursor) {
    const [createdAt = "", id = ""] = decodeCursor(input.cursor, "created_at", "id");
    const at = new Date(createdAt);
    if (Number.isNaN(at.getTime()) || !z.uuid().safeParse(id).success) decodeCursor("", "invalid");
    filters.push(sql`(${agents.createdAt}, ${agents.id}) < (${at.toISOString()}::timestamptz, ${id}::uuid)`);
  }
  const rows = await ctx.db
    .select()
    .from(agents)
    .where(and(...filters))
    .orderBy(desc(agents.createdAt), desc(agents.id))
    .limit(input.limit + 1);
  const page = keysetPage(rows, input.limit, (last) => encodeCursor({ created_at: last.createdAt.toISOString(), id: last.id }));
  return { agents: page.items.map(agentView), next_cursor: page.next };
}
