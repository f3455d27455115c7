import { desc } from "drizzle-orm";
import { auditLegalHolds } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { noFields, parseInput } from "@/lib/validation";
import { holdView } from "./holds";

/** Every legal hold, active and released, newest first. */
export async function listHolds(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "audit:read");
  parseInput(noFields, raw);
  const rows = await ctx.db.select().from(auditLegalHolds).orderBy(desc(auditLegalHolds.createdAt)).limit(1000);
  return { holds: rows.map(holdView) };
}
