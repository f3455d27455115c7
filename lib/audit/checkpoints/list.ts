import { desc, lt } from "drizzle-orm";
import { z } from "zod";
import { auditCheckpoints, type AuditCheckpointRow } from "@/drizzle/schema";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { decodeCursor, encodeCursor, keysetPage } from "@/lib/db/page";
import { parseInput } from "@/lib/validation";
import { pageSize } from "../inputs";

export const listCheckpointsInput = z
  .object({
    n: pageSize(),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export function checkpointView(row: AuditCheckpointRow) {
  return {
    seq: row.seq,
    created_at: row.createdAt.toISOString(),
    first_id: String(row.firstId),
    last_id: String(row.lastId),
    count: row.eventCount,
    min_ts: row.minTs.toISOString(),
    max_ts: row.maxTs.toISOString(),
    hash: row.hash,
    document: row.document,
    jws: row.jws,
  };
}

/** Newest first. Each carries its signed document and JWS: enough to verify it offline. */
export async function listCheckpoints(ctx: VerbCtx, raw: unknown = {}) {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(listCheckpointsInput, raw);
  let before: number | null = null;
  if (input.cursor) {
    const [seq = ""] = decodeCursor(input.cursor, "seq");
    if (!/^\d{1,9}$/.test(seq)) decodeCursor("", "seq");
    before = Number(seq);
  }
  const rows = await ctx.db
    .select()
    .from(auditCheckpoints)
    .where(before === null ? undefined : lt(auditCheckpoints.seq, before))
    .orderBy(desc(auditCheckpoints.seq))
    .limit(input.n + 1);
  const page = keysetPage(rows, input.n, (last) => encodeCursor({ seq: String(last.seq) }));
  return { checkpoints: page.items.map(checkpointView), next_cursor: page.next };
}
