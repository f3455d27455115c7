import type { CommitCtx } from "@/lib/context";
import { queryRows } from "@/lib/db/rows";
import type { Db } from "@/lib/db/types";
import { timed } from "@/lib/observability/metrics";
import { perObject } from "@/lib/process/singleton";
import { batchStatement, type CountIncrement } from "./batch-sql";
import { stamp, type EventDraft } from "./commit";
import { toRow, type AuditInput } from "./event";

/** The small bookkeeping writes that may travel with a batched event. */
export type Bookkeeping = {
  /** Adds one to token_monthly_counts for this agent and month. */
  countToken?: { agentId: string; month: string };
  /** Refreshes last_seen_at / last_used_at (at most once a minute per row). */
  touch?: { agentId: string; credentialId: string };
};

type BatchItem = Bookkeeping & { event: AuditInput };

/**
 * The hot paths' way to write (token issuance, introspection, refusals): an event with no
 * change of its own beyond the bookkeeping, stamped from the context like `commit`'s, and
 * committed with whatever other requests are writing at the same moment. Resolves once
 * committed, with the agent's stored monthly count when `countToken` was given.
 */
export function commitBatched(ctx: CommitCtx, draft: EventDraft, bookkeeping: Bookkeeping = {}): Promise<number | undefined> {
  return auditBatcher(ctx.db).enqueue({ ...bookkeeping, event: stamp(ctx, draft) });
}

type Pending = { item: BatchItem; resolve: (count: number | undefined) => void; reject: (e: unknown) => void };

const MAX_BATCH = 500;

/**
 * Group commit for the hot endpoints. Each caller waits until its event is committed (so
 * nothing is answered before it is durable), but concurrent callers share one transaction:
 * one multi-row insert instead of a commit per request, and no row lock queue on the
 * per-agent counter. While a flush runs, new items collect for the next one; there is no
 * timer, so an idle server adds no latency.
 */
class AuditBatcher {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly db: Db) {}

  enqueue(item: BatchItem): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    const counts = await timed("audit_batch", () => writeBatch(this.db, batch.map((p) => p.item)));
    for (const p of batch) {
      const c = p.item.countToken;
      p.resolve(c ? counts.get(`${c.agentId}|${c.month}`) : undefined);
    }
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.write(batch);
        } catch {
          // One bad item must not fail its neighbours: retry them one by one, so only the
          // item that cannot be written fails (and a database outage fails each alike).
          for (const one of batch) await this.write([one]).catch((error: unknown) => one.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

async function writeBatch(db: Db, items: BatchItem[]): Promise<Map<string, number>> {
  const increments = new Map<string, CountIncrement>();
  const agentIds = new Set<string>();
  const credentialIds = new Set<string>();
  for (const { countToken, touch } of items) {
    if (countToken) {
      const key = `${countToken.agentId}|${countToken.month}`;
      const entry = increments.get(key) ?? { ...countToken, n: 0 };
      entry.n += 1;
      increments.set(key, entry);
    }
    if (touch) {
      agentIds.add(touch.agentId);
      credentialIds.add(touch.credentialId);
    }
  }
  const sorted = [...increments].sort(([a], [b]) => a.localeCompare(b)).map(([, inc]) => inc);
  const rows = await queryRows<{ agent_id: string | null; month: string | null; count: number | null }>(
    db,
    batchStatement(items.map((i) => toRow(i.event)), sorted, [...agentIds], [...credentialIds]),
  );
  return new Map(rows.filter((r) => r.agent_id !== null).map((r) => [`${r.agent_id}|${r.month}`, Number(r.count)]));
}

/** One batcher per database handle (the process has one; tests open several). */
function auditBatcher(db: Db): AuditBatcher {
  return perObject("audit-batcher", db, (owner) => new AuditBatcher(owner));
}
