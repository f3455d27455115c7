import type { Executor } from "@/lib/db/types";
import { auditFilters, auditPage, toView, type AuditEventView, type ListAuditInput } from "./list";

export type ExportFormat = "ndjson" | "csv";

const PAGE = 1000;
const COLUMNS = ["id", "ts", "kind", "actor", "agent_id", "client_id", "outcome", "ip", "user_agent", "request_id", "alertname", "rule", "labels", "metadata"] as const;

/**
 * A whole range as NDJSON or CSV, newest first, streamed a page at a time: memory holds one
 * page however long the range, and a slow reader slows the reads (pull-based stream).
 */
export function exportAudit(db: Executor, input: ListAuditInput, format: ExportFormat): ReadableStream<Uint8Array> {
  const filters = auditFilters(input);
  const encoder = new TextEncoder();
  let beforeId: number | null = null;
  let headerSent = format !== "csv";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${COLUMNS.join(",")}\r\n`));
        return;
      }
      const rows = await auditPage(db, filters, beforeId, PAGE);
      const last = rows.at(-1);
      if (!last) return controller.close();
      beforeId = last.id;
      const lines = rows.map((r) => (format === "csv" ? csvLine(toView(r)) : `${JSON.stringify(toView(r))}\n`));
      controller.enqueue(encoder.encode(lines.join("")));
      if (rows.length < PAGE) controller.close();
    },
  });
}

function csvLine(event: AuditEventView): string {
  return `${COLUMNS.map((c) => csvField(event[c])).join(",")}\r\n`;
}

/**
 * RFC 4180 quoting. Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a
 * leading apostrophe: the log holds attacker-chosen text (user agents, client ids).
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
