import { requireScope } from "@/lib/access/actor";
import type { VerbCtx } from "@/lib/context";
import { parseInput } from "@/lib/validation";
import { exportAudit, type ExportFormat } from "./export";
import { auditEventsPage, listAuditInput } from "./list";

type Page = Awaited<ReturnType<typeof auditEventsPage>>;

/**
 * The fields the seed's agent identity runbook reads (eventId, agentId, action, outcome,
 * ipAddress, userAgent, metadata, timestamp), alongside Vigil's own. Only in this answer:
 * the event's own shape is what checkpoints seal.
 */
function withRunbookFields(page: Page) {
  return {
    ...page,
    events: page.events.map((e) => ({ ...e, eventId: e.id, agentId: e.agent_id, action: e.kind, ipAddress: e.ip, userAgent: e.user_agent, timestamp: e.ts })),
  };
}

export type AuditRead =
  | { format: "json"; page: ReturnType<typeof withRunbookFields> }
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
  return { format: "json", page: withRunbookFields(await auditEventsPage(ctx.db, input)) };
}
