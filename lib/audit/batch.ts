import type { CommitCtx } from "@/lib/context";
import { queryPrepared } from "@/lib/db/rows";
import { trackWrite } from "@/lib/db/storage";
import type { Db } from "@/lib/db/types";
import { getLogger } from "@/lib/observability/logger";
import { getMetrics, timed } from "@/lib/observability/metrics";
import { GroupRunner } from "@/lib/process/group";
import { perObject } from "@/lib/process/singleton";
import { batchStatement, type CountIncrement, type Stake } from "./batch-sql";
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
  return batcherOf(ctx.db).submit({ ...bookkeeping, event: stamp(ctx, draft) });
}

const batcherOf = (db: Db) => perObject("audit-batcher", db, (of) => new GroupRunner<BatchItem, number | undefined>((items) => writeEvents(of, items)));

/** The backlog past which an event recorded without waiting is waited for after all. */
const UNAWAITED_BACKLOG = 5_000;

/**
 * An event a request records without waiting for its commit (introspection: it changes
 * nothing and is asked on every request a resource server serves). It goes with the next
 * batch and a failed write is logged. When the database falls behind and the batcher holds
 * more than UNAWAITED_BACKLOG events, the caller waits like any other, so memory stays
 * bounded and a slow database slows the callers instead of filling the heap.
 */
export async function recordBatched(ctx: CommitCtx, draft: EventDraft, what: string): Promise<void> {
  const batcher = batcherOf(ctx.db);
  const written = batcher.submit({ event: stamp(ctx, draft) }).then(
    () => undefined,
    (error: unknown) => getLogger().warn({ err: error, kind: draft.kind }, `could not audit ${what}`),
  );
  if (batcher.pending > UNAWAITED_BACKLOG) await written;
}

/**
 * Rows that many requests write at once and that each request must win to go on: a code
 * redeemed, a refresh token used. `stake` turns a whole batch's claims (claim i is item i)
 * into the CTEs that try them and write what the winners add (batch-sql.ts `Stake`); only
 * the winners' events and counts are written, in the same statement. A loser has written
 * nothing and may take its careful path.
 */
export type ClaimWriter<C> = { name: string; stake: (claims: C[]) => Stake };

export type Claimed = { won: true; count: number | undefined } | { won: false };

type ClaimItem<C> = BatchItem & { claim: C };

/**
 * Group commit for a hot write that changes rows of its own (code redemption, refresh
 * rotation): concurrent callers share one statement — their claims, the winners' events and
 * monthly counts — instead of a transaction, and a queue on the agent's counter row, each.
 * Resolves once committed.
 */
export function commitClaimed<C>(ctx: CommitCtx, writer: ClaimWriter<C>, claim: C, draft: EventDraft, bookkeeping: Bookkeeping = {}): Promise<Claimed> {
  const committer = perObject(`claim-batcher:${writer.name}`, ctx.db, (db) => new GroupRunner<ClaimItem<C>, Claimed>((items) => writeClaims(db, writer, items)));
  return committer.submit({ ...bookkeeping, claim, event: stamp(ctx, draft) });
}

type Written = { counts: Map<string, number>; won: Set<number> };

/** Events and bookkeeping (and claims, when staked) in one statement. */
async function writeBatch(db: Db, items: BatchItem[], stake?: Stake): Promise<Written> {
  const increments = new Map<string, CountIncrement>();
  const agentIds = new Set<string>();
  const credentialIds = new Set<string>();
  items.forEach(({ countToken, touch }, i) => {
    if (countToken) {
      // A claim's count depends on its claim winning; others add up before the statement.
      const key = stake ? `${i}` : `${countToken.agentId}|${countToken.month}`;
      const entry = increments.get(key) ?? { ...countToken, n: 0, ...(stake ? { item: i } : {}) };
      entry.n += 1;
      increments.set(key, entry);
    }
    if (touch) {
      agentIds.add(touch.agentId);
      credentialIds.add(touch.credentialId);
    }
  });
  const rows = items.map((it, i) => (stake ? { ...toRow(it.event), item: i } : toRow(it.event)));
  // One statement appends the whole group: one observation of the audit append time.
  const appended = getMetrics().auditAppend.startTimer();
  const result = await timed(stake ? "claim_batch" : "audit_batch", () =>
    trackWrite(
      queryPrepared<{ agent_id: string | null; month: string | null; count: number | null; won: number[] }>(
        db,
        batchStatement(rows, [...increments.values()], [...agentIds], [...credentialIds], stake),
      ),
    ),
  );
  appended();
  return {
    counts: new Map(result.filter((r) => r.agent_id !== null).map((r) => [`${r.agent_id}|${r.month}`, Number(r.count)])),
    won: new Set(result[0]?.won ?? []),
  };
}

const countOf = (counts: Map<string, number>, c: Bookkeeping["countToken"]) => (c ? counts.get(`${c.agentId}|${c.month}`) : undefined);

async function writeEvents(db: Db, items: BatchItem[]): Promise<(number | undefined)[]> {
  const { counts } = await writeBatch(db, items);
  return items.map((i) => countOf(counts, i.countToken));
}

async function writeClaims<C>(db: Db, writer: ClaimWriter<C>, items: ClaimItem<C>[]): Promise<Claimed[]> {
  const { counts, won } = await writeBatch(
    db,
    items,
    writer.stake(items.map((i) => i.claim)),
  );
  return items.map((item, i): Claimed => (won.has(i) ? { won: true, count: countOf(counts, item.countToken) } : { won: false }));
}
