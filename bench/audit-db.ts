// The database half of the audit bench, in TypeScript so it runs Vigil's own code (the query
// compiler, the append path) rather than a copy. Run by bench/audit.mjs through tsx:
//   tsx bench/audit-db.ts explain <database-url> <json: [{label, q, since?}]>
//   tsx bench/audit-db.ts append  <database-url> <json: {seconds, writers: number[]}>
// Prints one JSON document on stdout.
import { and, desc, sql } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import { loadConfig, setConfig } from "@/lib/config";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { queryRows } from "@/lib/db/rows";
import { commitBatched } from "@/lib/audit/batch";
import { commit, type EventDraft } from "@/lib/audit/commit";
import { noRequest } from "@/lib/context";
import { auditFilters, listAuditInput } from "@/lib/audit/list";
import { percentile } from "./lib/format.mjs";

setConfig(loadConfig({ NODE_ENV: "production", AUTH_SECRET: "bench-only-secret-0123456789abcdefghij", AUTH_URL: "http://bench.invalid", LOG_LEVEL: "silent", VIGIL_ALLOW_EMBEDDED_DB: "true" }));

type PlanNode = { "Node Type": string; "Index Name"?: string; "Relation Name"?: string; Plans?: PlanNode[] };

function walk(node: PlanNode, out: { indexes: Set<string>; seqScans: Set<string> }) {
  if (node["Index Name"]) out.indexes.add(node["Index Name"].replace(/^audit_events_p\d{8}_/, "").replace(/^audit_events_default_/, ""));
  if (node["Node Type"] === "Seq Scan" && node["Relation Name"]) out.seqScans.add(node["Relation Name"]);
  for (const child of node.Plans ?? []) walk(child, out);
}

/** EXPLAIN ANALYZE of the exact statement GET /api/v1/audit runs for the first page. */
async function explain(handle: DbHandle, queries: { label: string; q: string; since?: string }[]) {
  const results = [];
  for (const { label, q, since } of queries) {
    const input = listAuditInput.parse({ q, since, n: 100 });
    const query = handle.db.select().from(auditEvents).where(and(...auditFilters(input))).orderBy(desc(auditEvents.id)).limit(101);
    const { sql: text, params } = query.toSQL();
    if (!handle.sql) throw new Error("explain needs PostgreSQL");
    const rows = await handle.sql.unsafe(`explain (analyze, format json) ${text}`, params as never[]);
    const plan = (rows[0] as unknown as { "QUERY PLAN": [{ Plan: PlanNode; "Execution Time": number }] })["QUERY PLAN"][0];
    const seen = { indexes: new Set<string>(), seqScans: new Set<string>() };
    walk(plan.Plan, seen);
    results.push({ label, q, top: plan.Plan["Node Type"], indexes: [...seen.indexes].sort(), seq_scans: seen.seqScans.size, execution_ms: plan["Execution Time"] });
  }
  return results;
}

/** `writers` concurrent loops, each appending one event at a time for `seconds`. */
async function measure(seconds: number, writers: number, append: (i: number) => Promise<unknown>) {
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
  return { writers, appends: latencies.length, per_second: latencies.length / seconds, p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95), p99_ms: percentile(latencies, 99) };
}

async function append(handle: DbHandle, seconds: number, writerCounts: number[]) {
  const event = (i: number): EventDraft => ({ kind: "heartbeat", outcome: "success", metadata: { bench: "append", i } });
  const ctx = { ...noRequest, db: handle.db, by: "bench" };
  const out = [];
  for (const writers of writerCounts) {
    // Vigil's hot path: group commit, the tail lock, NOTIFY; each call returns once committed.
    const grouped = await measure(seconds, writers, (i) => commitBatched(ctx, event(i)));
    // Vigil's transactional path: one event per transaction (what an agent update commits).
    const single = await measure(seconds, writers, (i) => commit(ctx, async () => ({ value: null, events: [event(i)] })));
    // The peer: a bare single-row INSERT, no lock, no NOTIFY, one commit each.
    const bare = await measure(seconds, writers, (i) =>
      queryRows(handle.db, sql`insert into audit_events (kind, actor, outcome, metadata) values ('bench.bare', 'bench', 'success', ${JSON.stringify({ i })}::jsonb)`),
    );
    out.push({ writers, grouped, single, bare });
  }
  return out;
}

async function main() {
  const [mode, url, arg] = process.argv.slice(2);
  if (!url || !arg) throw new Error("usage: tsx bench/audit-db.ts explain|append <database-url> <json>");
  const handle = await openDatabase({ kind: "postgres", url }, 20);
  try {
    const result = mode === "explain" ? await explain(handle, JSON.parse(arg)) : await append(handle, JSON.parse(arg).seconds, JSON.parse(arg).writers);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await handle.close();
  }
}

await main();
