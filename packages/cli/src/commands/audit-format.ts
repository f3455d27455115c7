import type { AuditEvent } from "@vigil/client";
import { cell, type Column } from "../output";

/** What an event is about, in a few words: the fields that differ from kind to kind. */
export function eventSubject(e: AuditEvent): string {
  const parts: string[] = [];
  if (e.agent_id) parts.push(`agent=${e.agent_id}`);
  if (e.client_id) parts.push(`client=${e.client_id}`);
  if (e.alertname) parts.push(`alert=${e.alertname}`);
  if (e.rule) parts.push(`rule=${e.rule}`);
  return parts.join(" ");
}

export const eventColumns: Column<AuditEvent>[] = [
  { header: "ID", value: (e) => e.id },
  { header: "TIME", value: (e) => e.ts },
  { header: "KIND", value: (e) => e.kind },
  { header: "OUTCOME", value: (e) => e.outcome },
  { header: "ACTOR", value: (e) => e.actor, max: 40 },
  { header: "SUBJECT", value: eventSubject, max: 80 },
];

/** One line per event for `audit tail`. */
export const eventLine = (e: AuditEvent) =>
  [e.ts, e.id, e.kind, e.outcome, cell(e.actor, 40), eventSubject(e)].filter(Boolean).join("  ");
