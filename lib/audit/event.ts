import { isIP } from "node:net";
import type { NewAuditEvent } from "@/drizzle/schema";

export type AuditInput = {
  kind: string;
  actor: string;
  outcome: "success" | "failure" | "denied";
  agentId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  alertname?: string | null;
  rule?: string | null;
  labels?: Record<string, string> | null;
  metadata?: Record<string, unknown>;
};

// Keys that must never be stored, whatever a caller passes: the log is read by many.
const SECRET_KEY = /secret|password|authorization|cookie|^token$|access_token|private/i;

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !SECRET_KEY.test(k))
      .map(([k, v]) => [k, scrub(v, depth + 1)]),
  );
}

/** Normalises an event for insertion: valid IP or none, bounded text, no secret-named keys. */
export function toRow(input: AuditInput): NewAuditEvent {
  const ip = input.ip && isIP(input.ip) ? input.ip : null;
  return {
    kind: input.kind,
    actor: input.actor.slice(0, 200),
    outcome: input.outcome,
    agentId: input.agentId ?? null,
    clientId: input.clientId?.slice(0, 200) ?? null,
    ip,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    requestId: input.requestId?.slice(0, 128) ?? null,
    alertname: input.alertname ?? null,
    rule: input.rule ?? null,
    labels: input.labels ?? null,
    metadata: scrub(input.metadata ?? {}) as Record<string, unknown>,
  };
}
