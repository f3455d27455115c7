import { actorLabel, type CommitCtx } from "@/lib/context";
import { inTransaction } from "@/lib/db/transaction";
import { trackWrite } from "@/lib/db/storage";
import type { Tx } from "@/lib/db/types";
import { deliverLocally, publish, type Notice } from "@/lib/events/notify";
import { getMetrics } from "@/lib/observability/metrics";
import { appendEvents } from "./append";
import type { AuditInput } from "./event";
import { AUTOHEAL_KINDS } from "./kinds";

/**
 * An event as a verb describes it: what happened and to what. Who did it and the request
 * it came from are not the verb's to say; `commit` stamps them from the context.
 */
export type EventDraft = Omit<AuditInput, "actor" | "actorChain" | "requestId" | "ip" | "userAgent">;

/** What a unit of work hands back: its result, the events that record it, and the notices for other instances. */
export type Change<T> = { value: T; events: EventDraft[]; notices?: Notice[] };

/** Stamps a draft with the context's actor (and a delegated actor's agents) and request facts. */
export function stamp(ctx: CommitCtx, draft: EventDraft): AuditInput {
  const chain = "actor" in ctx ? ctx.actor.delegation?.chain : undefined;
  return {
    ...draft,
    actor: actorLabel(ctx),
    actorChain: chain ? chain.map((id) => `agent:${id}`) : null,
    requestId: ctx.requestId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
  };
}

/**
 * The one way to write: runs `work` in a transaction, publishes its notices (NOTIFY, sent
 * by PostgreSQL only at commit), appends its events last and commits them together — if
 * the events cannot be written the change is rolled back with them. Then, committed, this
 * instance applies the notices at once and the metrics count the events.
 *
 * Events go last because from the audit insert to the commit the log's tail lock is held
 * (tail.ts): nothing slow may run after it. `work` may throw to refuse; nothing is written.
 */
export async function commit<T>(ctx: CommitCtx, work: (tx: Tx) => Promise<Change<T>>): Promise<T> {
  const m = getMetrics();
  // A write failing for lack of space marks the storage full for readiness; one committing clears it.
  const done = await trackWrite(inTransaction(ctx.db, async (tx) => {
    const change = await work(tx);
    for (const notice of change.notices ?? []) await publish(tx, notice);
    const autoheal = change.events.some((e) => AUTOHEAL_KINDS.has(e.kind));
    const end = autoheal ? m.autohealAuditWrite.startTimer() : null;
    const all = m.auditAppend.startTimer();
    await appendEvents(tx, change.events.map((e) => stamp(ctx, e)));
    all();
    end?.();
    return change;
  }));
  for (const notice of done.notices ?? []) deliverLocally(ctx.db, notice);
  for (const e of done.events) if (AUTOHEAL_KINDS.has(e.kind)) m.autohealEvents.inc({ kind: e.kind });
  return done.value;
}
