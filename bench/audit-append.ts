// Append latency for bench/audit-db.ts: closed loops (N writers, each waiting for its last
// append) and an open loop (a fixed rate on a clock, sent whatever is still in flight, so
// queueing shows as latency), through Vigil's own append paths and a bare INSERT as the peer.
import { sql } from "drizzle-orm";
import type { DbHandle } from "@/lib/db/client";
import { queryRows } from "@/lib/db/rows";
import { commitBatched } from "@/lib/audit/batch";
import { commit, type EventDraft } from "@/lib/audit/commit";
import { noRequest } from "@/lib/context";
import { percentile } from "./lib/format.mjs";

type Append = (i: number) => Promise<unknown>;

const summary = (latencies: number[]) => ({ p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95), p99_ms: percentile(latencies, 99), max_ms: latencies.reduce((a, b) => Math.max(a, b), 0) });

function paths(handle: DbHandle) {
  const event = (i: number): EventDraft => ({ kind: "heartbeat", outcome: "success", metadata: { bench: "append", i } });
  const ctx = { ...noRequest, db: handle.db, by: "bench" };
  return {
    // Vigil's hot path: group commit, the tail lock, NOTIFY; each call returns once committed.
    grouped: (i: number) => commitBatched(ctx, event(i)),
    // Vigil's transactional path: one event per transaction (what an agent update commits).
    single: (i: number) => commit(ctx, async () => ({ value: null, events: [event(i)] })),
    // The peer: a bare single-row INSERT, no lock, no NOTIFY, one commit each.
    bare: (i: number) => queryRows(handle.db, sql`insert into audit_events (kind, actor, outcome, metadata) values ('bench.bare', 'bench', 'success', ${JSON.stringify({ i })}::jsonb)`),
  } satisfies Record<string, Append>;
}

/** `writers` concurrent loops, each appending one event at a time for `seconds`. */
async function closedLoop(seconds: number, writers: number, append: Append) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      let i = 0;
      while (performance.now() < end) {
        const t0 = performance.now();
        await append(w * 1e9 + i++);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { writers, appends: latencies.length, per_second: latencies.length / seconds, ...summary(latencies) };
}

export async function closedLoops(handle: DbHandle, seconds: number, writerCounts: number[]) {
  const p = paths(handle);
  const out = [];
  for (const writers of writerCounts) {
    out.push({ writers, grouped: await closedLoop(seconds, writers, p.grouped), single: await closedLoop(seconds, writers, p.single), bare: await closedLoop(seconds, writers, p.bare) });
  }
  return out;
}

/**
 * `rate` appends a second for `seconds`, append i due at start + i / rate and sent when due
 * (a timer wakes about every millisecond and sends everything due) whether or not earlier
 * ones have finished. Latency runs from when it was due, so a sender running late counts
 * against the path too; `send_lag` says how late the sender was. `during`, when given,
 * starts halfway through and is timed; the appends due before, while and just after it ran
 * are reported apart.
 */
async function openLoop(seconds: number, rate: number, append: Append, during?: () => Promise<unknown>) {
  const n = Math.round(seconds * rate);
  const start = performance.now() + 20;
  const due = (i: number) => start + (i * 1000) / rate;
  const latency = new Float64Array(n).fill(Number.NaN);
  const lag = new Float64Array(n);
  const inFlight: Promise<unknown>[] = [];
  let failures = 0;
  let lastDone = 0;
  let sidecar: Promise<{ ms: number; from: number; to: number; value: unknown } | { error: unknown }> | undefined;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      if (during && !sidecar && now >= start + (seconds * 1000) / 2) {
        sidecar = during().then(
          (value) => ({ ms: performance.now() - now, from: now, to: performance.now(), value }),
          (error: unknown) => ({ error }),
        );
      }
      for (; next < n && due(next) <= now; next++) {
        const i = next;
        lag[i] = now - due(i);
        inFlight.push(
          append(i).then(
            () => {
              lastDone = performance.now();
              latency[i] = lastDone - due(i);
            },
            () => void failures++,
          ),
        );
      }
      if (next < n) setTimeout(tick, Math.max(0, due(next) - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  const side = sidecar ? await sidecar : undefined;
  if (side && "error" in side) throw side.error;
  const dueIn = (from: number, to: number) => Array.from(latency).filter((x, i) => !Number.isNaN(x) && due(i) >= from && due(i) < to);
  const all = dueIn(start, Number.POSITIVE_INFINITY);
  return {
    target_per_second: rate,
    appends: all.length,
    failures,
    achieved_per_second: all.length / ((lastDone - start) / 1000),
    ...summary(all),
    send_lag_p95_ms: percentile(Array.from(lag), 95),
    // Around `during`: the appends due before it, while it ran, and in the second after it.
    ...(side
      ? {
          during: { ms: side.ms, value: side.value, appends_due: dueIn(side.from, side.to).length, ...summary(dueIn(side.from, side.to)) },
          before: summary(dueIn(start, side.from)),
          after: summary(dueIn(side.to, side.to + 1000)),
        }
      : {}),
  };
}

/**
 * The fixed-rate runs: Vigil's hot path, the bare INSERT, then the hot path again with
 * `midway` (retention) started halfway through.
 */
export async function fixedRate(handle: DbHandle, seconds: number, rate: number, midway: () => Promise<unknown>) {
  const p = paths(handle);
  const grouped = await openLoop(seconds, rate, p.grouped);
  const bare = await openLoop(seconds, rate, p.bare);
  const withRetention = await openLoop(seconds, rate, p.grouped, midway);
  return { grouped, bare, with_retention: withRetention };
}
