import { desc, lt } from "drizzle-orm";
import { z } from "zod";
import { auditCheckpoints, type AuditCheckpointRow } from "@/drizzle/schema";
import type { VerbCtx } from "@/lib/context";
import { requireScope } from "@/lib/gate/actor";
import { decodeCursor, encodeCursor } from "@/lib/http/cursor";
import { trustedPublicKeys } from "@/lib/identity/keys/keyring";
import { parseInput } from "@/lib/validation";
import { pageSize } from "../inputs";
import { sealCheckpoint } from "./seal";

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
export async function listCheckpoints(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(listCheckpointsInput, raw ?? {});
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
  const page = rows.slice(0, input.n);
  const last = page.at(-1);
  return {
    checkpoints: page.map(checkpointView),
    next_cursor: rows.length > input.n && last ? encodeCursor({ seq: String(last.seq) }) : null,
  };
}

/**
 * Seals everything committed so far, now (an operator before an export; tests). Not itself
 * audited: a checkpoint is the record, and an event about it would be left unsealed.
 */
export async function sealNow(ctx: VerbCtx) {
  requireScope(ctx.actor, "admin");
  const sealed: AuditCheckpointRow[] = [];
  for (let i = 0; i < 100; i++) {
    const row = await sealCheckpoint(ctx.db);
    if (!row) break;
    sealed.push(row);
  }
  return { checkpoints: sealed.map(checkpointView) };
}

/** Every public key a checkpoint may be signed with (retired keys too). */
export const checkpointKeys = () => ({ keys: trustedPublicKeys() });
