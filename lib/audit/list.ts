import { and, desc, eq, gte, lt, lte, ne, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents, type AuditEventRow } from "@/drizzle/schema";
import { inTransaction } from "@/lib/db/transaction";
import type { Executor } from "@/lib/db/types";
import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { decodeCursor, encodeCursor, keysetPage } from "@/lib/db/page";
import { parseInput } from "@/lib/validation";
import { compileQuery, parseQuery } from "./query";
import { heartbeatsFlag, pageSize, rfc3339 as timestamp } from "./inputs";

export const listAuditInput = z
  .object({
    // The query language (lib/audit/query); the fields below are its shorthands.
    q: z.string().max(2000, "q is at most 2000 characters").optional(),
    since: timestamp("since"),
    until: timestamp("until"),
    agentId: z.uuid("agentId must be a UUID").optional(),
    kind: z.string().min(1).max(100).optional(),
    startDate: timestamp("startDate"),
    endDate: timestamp("endDate"),
    n: pageSize(),
    cursor: z.string().max(200).optional(),
    format: z.enum(["json", "ndjson", "csv"], { message: "format is json, ndjson or csv" }).optional(),
    heartbeats: heartbeatsFlag(),
  })
  .strict();

export type AuditEventView = ReturnType<typeof toView>;

export function toView(row: AuditEventRow) {
  return {
    id: String(row.id),
    ts: row.ts.toISOString(),
    kind: row.kind,
    actor: row.actor,
    // Only where there is one: the view is what checkpoints hash, and events sealed before
    // the column existed must hash as they did.
    ...(row.actorChain ? { actor_chain: row.actorChain } : {}),
    agent_id: row.agentId,
    client_id: row.clientId,
    outcome: row.outcome,
    ip: row.ip,
    user_agent: row.userAgent,
    request_id: row.requestId,
    alertname: row.alertname,
    rule: row.rule,
    labels: row.labels,
    metadata: row.metadata,
  };
}

export type ListAuditInput = z.output<typeof listAuditInput>;

/** The WHERE clauses of a query (the query language and its shorthands), cursor aside. */
export function auditFilters(input: ListAuditInput): SQL[] {
  const filters: SQL[] = [];
  // Parsed before any SQL: a syntax error is a 400 naming the position and what was expected.
  if (input.q?.trim()) filters.push(compileQuery(parseQuery(input.q)));
  const since = input.since ?? input.startDate;
  const until = input.until ?? input.endDate;
  if (input.agentId) filters.push(eq(auditEvents.agentId, input.agentId));
  if (input.kind) filters.push(eq(auditEvents.kind, input.kind));
  if (input.heartbeats === false) filters.push(ne(auditEvents.kind, "heartbeat"));
  if (since) filters.push(gte(auditEvents.ts, new Date(since)));
  if (until) filters.push(lte(auditEvents.ts, new Date(until)));
  return filters;
}

/**
 * One page, newest first, of rows older than `beforeId` (keyset on id: ids only grow).
 * Planned with its values every time: the driver prepares statements, and after a few runs
 * PostgreSQL may switch a prepared statement to a generic plan, which for a query language
 * (selectivity changes with every value) picks badly: a unique meta.jti lookup took 200 ms
 * on a million events with the generic plan and 0.2 ms with its own.
 */
export function auditPage(db: Executor, filters: SQL[], beforeId: number | null, limit: number) {
  const where = beforeId === null ? filters : [...filters, lt(auditEvents.id, beforeId)];
  return inTransaction(db, async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    return tx
      .select()
      .from(auditEvents)
      .where(and(...where))
      .orderBy(desc(auditEvents.id))
      .limit(limit);
  });
}

function cursorId(cursor: string | undefined): number | null {
  if (!cursor) return null;
  const [id = ""] = decodeCursor(cursor, "id");
  if (!/^\d{1,15}$/.test(id)) decodeCursor("", "id");
  return Number(id);
}

/** Newest first, keyset pagination on id; `q` in the audit query language. */
export async function listAudit(ctx: VerbCtx, raw: unknown) {
  requireScope(ctx.actor, "audit:read");
  return auditEventsPage(ctx.db, parseInput(listAuditInput, raw));
}

/** One page of a parsed audit query (the list verb, and the JSON form of GET /api/v1/audit). */
export async function auditEventsPage(db: Executor, input: ListAuditInput) {
  const rows = await auditPage(db, auditFilters(input), cursorId(input.cursor), input.n + 1);
  const page = keysetPage(rows, input.n, (last) => encodeCursor({ id: String(last.id) }));
  return { events: page.items.map(toView), next_cursor: page.next };
}
