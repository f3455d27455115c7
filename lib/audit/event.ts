import { isIP } from "node:net";
import type { NewAuditEvent } from "@/drizzle/schema";
import { isEventKind, type EventKind } from "./kinds";

/** One event as the log stores it; built by the commit helper from a draft and its context. */
export type AuditInput = {
  kind: EventKind;
  actor: string;
  /** A delegated caller's agents, outermost first ("agent:<id>"). */
  actorChain?: string[] | null;
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

// Text PostgreSQL can store: NUL is not, and one bad row must not sink a batch.
const clean = (s: string) => (s.includes("\u0000") ? s.replaceAll("\u0000", "\uFFFD") : s);
const cleanOrNull = (s: string | null | undefined) => (s === null || s === undefined ? null : clean(s));

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return clean(value);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !SECRET_KEY.test(k))
      .map(([k, v]) => [clean(k), scrub(v, depth + 1)]),
  );
}

/** Normalises an event for insertion: valid IP or none, bounded text, no secret-named keys. */
export function toRow(input: AuditInput): NewAuditEvent {
  // The type already says so; this holds for casts and plain JavaScript callers too.
  if (!isEventKind(input.kind)) throw new Error(`unknown audit event kind ${JSON.stringify(input.kind)}: add it to lib/audit/kinds.ts`);
  const ip = input.ip && isIP(input.ip) ? input.ip : null;
  return {
    kind: input.kind,
    actor: clean(input.actor.slice(0, 200)),
    actorChain: input.actorChain?.length ? input.actorChain.slice(0, 16).map((a) => clean(a.slice(0, 200))) : null,
    outcome: input.outcome,
    agentId: input.agentId ?? null,
    clientId: cleanOrNull(input.clientId?.slice(0, 200)),
    ip,
    userAgent: cleanOrNull(input.userAgent?.slice(0, 512)),
    requestId: cleanOrNull(input.requestId?.slice(0, 128)),
    alertname: cleanOrNull(input.alertname),
    rule: cleanOrNull(input.rule),
    labels: input.labels ? (scrub(input.labels) as Record<string, string>) : null,
    metadata: scrub(input.metadata ?? {}) as Record<string, unknown>,
  };
}
