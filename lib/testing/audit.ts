import { appendEvents } from "@/lib/audit/append";
import type { AuditInput } from "@/lib/audit/event";
import type { EventKind } from "@/lib/audit/kinds";
import type { Executor } from "@/lib/db/types";

/** An event as tests write it: a real kind (the list is closed), any metadata. */
export function testEvent(kind: EventKind = "token.issued", metadata: Record<string, unknown> = {}, extra: Partial<AuditInput> = {}): AuditInput {
  return { kind, actor: "test", outcome: "success", metadata, ...extra };
}

/**
 * Appends one event on an executor (the pool, or an open transaction the test controls) and
 * returns its id. Tests of the log itself use this; everything else writes through commit.
 */
export async function appendTestEvent(db: Executor, event: AuditInput = testEvent()): Promise<number> {
  const id = await appendEvents(db, [event]);
  if (id === null) throw new Error("no id");
  return id;
}
