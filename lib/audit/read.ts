import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";
import { exportAudit, type ExportFormat } from "./export";
import { auditEventsPage, listAuditInput } from "./list";

export type AuditRead =
  | { format: "json"; page: Awaited<ReturnType<typeof auditEventsPage>> }
  | { format: ExportFormat; stream: ReadableStream<Uint8Array> };

/**
 * GET /api/v1/audit: one page as JSON, or with format=ndjson|csv the whole range streamed.
 * Parsed (query language included) before anything is read or streamed: a bad query is a
 * 400, never a broken download.
 */
export async function readAudit(ctx: VerbCtx, raw: unknown): Promise<AuditRead> {
  requireScope(ctx.actor, "audit:read");
  const input = parseInput(listAuditInput, raw);
  if (input.format === "ndjson" || input.format === "csv") return { format: input.format, stream: exportAudit(ctx.db, input, input.format) };
  return { format: "json", page: await auditEventsPage(ctx.db, input) };
}
