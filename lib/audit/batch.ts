import type { CommitCtx } from "@/lib/context";
import { queryRows } from "@/lib/db/rows";
import { inTransaction } from "@/lib/db/transaction";
import type { Db, Executor, Tx } from "@/lib/db/types";
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
  return perObject("audit-batcher", ctx.db, (db) => new GroupCommitter<BatchItem, number | undefined>((items) => writeEvents(db, items))).enqueue({
    ...bookkeeping,
    event: stamp(ctx, draft),
  });
}

/**
 * Rows that many requests write at once and that each request must win to go on: a code
 * redeemed, a refresh token used. `write` stakes a whole batch's claims in the transaction
 * and says, item by item, which it won; only the winners' events and counts are written,
 * in the same commit. A loser has written nothing and may take its careful path.
 */
export type ClaimWriter<C> = { name: string; write: (tx: Tx, claims: C[]) => Promise<boolean[]> };

export type Claimed = { won: true; count: number | undefined } | { won: false };

type ClaimItem<C> = BatchItem & { claim: C };

/**
 * Group commit for a hot write that changes rows of its own (code redemption, refresh
 * rotation): concurrent callers share one transaction — their claims, then their events
 * and monthly counts in one statement — instead of a commit, and a queue on the agent's
 * counter row, each. Resolves once committed.
 */
export function commitClaimed<C>(ctx: CommitCtx, writer: ClaimWriter<C>, claim: C, draft: EventDraft, bookkeeping: Bookkeeping = {}): Promise<Claimed> {
  const committer = perObject(`claim-batcher:${writer.name}`, ctx.db, (db) => new GroupCommitter<ClaimItem<C>, Claimed>((items) => writeClaims(db, writer, items)));
  return committer.enqueue({ ...bookkeeping, claim, event: stamp(ctx, draft) });
}

type Pending<I, R> = { item: I; resolve: (result: R) => void; reject: (e: unknown) => void };

const MAX_BATCH = 500;

/**
 * Each caller waits until its item is committed (so nothing is answered before it is
 * durable), but concurrent callers share one transaction. While a flush runs, new items
 * collect for the next one; there is no timer, so an idle server adds no latency.
 */
class GroupCommitter<I, R> {
  private queue: Pending<I, R>[] = [];
  private flushing = false;

  constructor(private readonly flush: (items: I[]) => Promise<R[]>) {}

  enqueue(item: I): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async write(batch: Pending<I, R>[]): Promise<void> {
    const results = await this.flush(batch.map((p) => p.item));
    batch.forEach((p, i) => p.resolve(results[i] as R));
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

/** Events and bookkeeping in one statement; each item's agent's stored monthly count. */
async function writeEvents(db: Executor, items: BatchItem[]): Promise<(number | undefined)[]> {
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
  // Sorted, so concurrent batches lock counter rows in the same order.
  const sorted = [...increments].sort(([a], [b]) => a.localeCompare(b)).map(([, inc]) => inc);
  const rows = await timed("audit_batch", () =>
    queryRows<{ agent_id: string | null; month: string | null; count: number | null }>(
      db,
      batchStatement(items.map((i) => toRow(i.event)), sorted, [...agentIds], [...credentialIds]),
    ),
  );
  const counts = new Map(rows.filter((r) => r.agent_id !== null).map((r) => [`${r.agent_id}|${r.month}`, Number(r.count)]));
  return items.map(({ countToken: c }) => (c ? counts.get(`${c.agentId}|${c.month}`) : undefined));
}

/** Claims first (their row locks before the log's tail lock, as everywhere), then the winners' events. */
async function writeClaims<C>(db: Db, writer: ClaimWriter<C>, items: ClaimItem<C>[]): Promise<Claimed[]> {
  return inTransaction(db, async (tx) => {
    const won = await writer.write(
      tx,
      items.map((i) => i.claim),
    );
    const winners = items.filter((_, i) => won[i]);
    const counts = winners.length > 0 ? await writeEvents(tx, winners) : [];
    let next = 0;
    return won.map((w): Claimed => (w ? { won: true, count: counts[next++] } : { won: false }));
  });
}
