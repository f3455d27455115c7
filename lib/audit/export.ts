import { and, lt, sql, type SQL } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import { queryRows } from "@/lib/db/rows";
import { inTransaction } from "@/lib/db/transaction";
import type { Executor } from "@/lib/db/types";
import { auditFilters, type ListAuditInput } from "./list";

export type ExportFormat = "ndjson" | "csv";

// Rows per read. Each read is a transaction of a few round trips and a plan over the
// partitions in range (2.4 ms for 35 partitions: more than reading 1,000 rows took). Rows
// arrive as one string each (exportPage), so a larger page costs little garbage: 5,000 gave
// 106k rows/s of NDJSON against 100k with 2,000 (bench/README.md, audit). Two pages in memory.
const PAGE = 5000;
const COLUMNS = ["id", "ts", "kind", "actor", "agent_id", "client_id", "outcome", "ip", "user_agent", "request_id", "alertname", "rule", "labels", "metadata"] as const;

/**
 * A whole range as NDJSON or CSV, newest first, streamed a page at a time: memory holds two
 * pages however long the range, and a slow reader slows the reads (pull-based stream).
 */
export function exportAudit(db: Executor, input: ListAuditInput, format: ExportFormat, pageSize = PAGE): ReadableStream<Uint8Array> {
  const filters = auditFilters(input);
  const encoder = new TextEncoder();
  const read = (beforeId: number | null) => {
    const page = exportPage(db, filters, beforeId, pageSize, format);
    page.catch(() => {}); // a page read ahead for a client that has gone fails unheard
    return page;
  };
  let next: ReturnType<typeof read> | null = null;
  let headerSent = format !== "csv";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${COLUMNS.join(",")}\r\n`));
        return;
      }
      const rows = await (next ?? read(null));
      const last = rows.at(-1);
      if (!last) return controller.close();
      // The next page is read while this one is written out: the database and this process
      // work at the same time, and still no more than one page ahead of the reader.
      next = rows.length === pageSize ? read(Number(last.id)) : null;
      const lines = rows.map((r) => (format === "csv" ? csvLine(r) : `${r.line}\n`));
      controller.enqueue(encoder.encode(lines.join("")));
      if (!next) controller.close();
    },
  });
}

type ExportRow = { id: string; line?: string } & Partial<Record<(typeof COLUMNS)[number], string | null>>;

// The event view (lib/audit/list.ts toView) as PostgreSQL writes it: the id as a string, the
// time in UTC with milliseconds and Z, as JavaScript's toISOString.
const VIEW_ID = sql`${auditEvents.id}::text`;
const VIEW_TS = sql`to_char(${auditEvents.ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One page of the export, formatted by PostgreSQL: a JSON line per event for NDJSON, each
 * cell's text for CSV. Reading rows into objects (two jsonb parses and a Date per row) and
 * serialising them again was 14 µs of Vigil's CPU a row, and Vigil's one thread was the
 * limit at about 65k rows/s while PostgreSQL used a fifth of the other core.
 *
 * The JSON is the list API's view key for key, value for value (export.test.ts compares
 * them). Only the spacing inside `labels` and `metadata` differs: jsonb's text has a space
 * after each colon and comma.
 */
function exportPage(db: Executor, filters: SQL[], beforeId: number | null, limit: number, format: ExportFormat): Promise<ExportRow[]> {
  const where = beforeId === null ? filters : [...filters, lt(auditEvents.id, beforeId)];
  const e = auditEvents;
  const view = (chain: SQL) =>
    sql`select ${VIEW_ID} as id, ${VIEW_TS} as ts, ${e.kind} as kind, ${e.actor} as actor${chain}, ${e.agentId} as agent_id, ${e.clientId} as client_id, ${e.outcome} as outcome, ${e.ip} as ip, ${e.userAgent} as user_agent, ${e.requestId} as request_id, ${e.alertname} as alertname, ${e.rule} as rule, ${e.labels} as labels, ${e.metadata} as metadata`;
  const select =
    format === "ndjson"
      ? // actor_chain only where there is one, after actor, as in the view.
        sql`${VIEW_ID} as id, case when ${e.actorChain} is null then row_to_json(plain) else row_to_json(chained) end::text as line
          from ${e} cross join lateral (${view(sql``)}) plain cross join lateral (${view(sql`, ${e.actorChain} as actor_chain`)}) chained`
      : sql`${VIEW_ID} as id, ${VIEW_TS} as ts, ${e.kind} as kind, ${e.actor} as actor, ${e.agentId}::text as agent_id, ${e.clientId} as client_id, ${e.outcome} as outcome, ${e.ip} as ip, ${e.userAgent} as user_agent, ${e.requestId} as request_id, ${e.alertname} as alertname, ${e.rule} as rule, ${e.labels}::text as labels, ${e.metadata}::text as metadata
          from ${e}`;
  return inTransaction(db, async (tx) => {
    // As the list's pages (lib/audit/list.ts auditPage): planned with their values every time.
    await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
    return queryRows<ExportRow>(tx, sql`select ${select} where ${and(sql`true`, ...where)} order by ${e.id} desc limit ${limit}`);
  });
}

function csvLine(row: ExportRow): string {
  return `${COLUMNS.map((c) => csvField(row[c])).join(",")}\r\n`;
}

/**
 * RFC 4180 quoting. Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a
 * leading apostrophe: the log holds attacker-chosen text (user agents, client ids).
 */
function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
