// The database half of the audit bench, in TypeScript so it runs Vigil's own code (start-up's
// migrations and key, the query compiler, the append paths, sealing, retention) rather than
// a copy. Run by bench/audit.mjs through tsx, one JSON argument, one JSON document on stdout:
//   tsx bench/audit-db.ts prepare|seal|explain|append|rate <database-url> <json>
import { and, desc, sql } from "drizzle-orm";
import { auditEvents } from "@/drizzle/schema";
import { loadConfig, setConfig } from "@/lib/config";
import { openDatabase, type DbHandle } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { queryRows } from "@/lib/db/rows";
import { ensureSigningKey } from "@/lib/keys/ensure";
import { loadKeyring } from "@/lib/keys/keyring";
import { sealPending } from "@/lib/audit/maintenance";
import { dailyPartitions } from "@/lib/audit/retention/partitions";
import { runRetention } from "@/lib/audit/retention/run";
import { auditFilters, listAuditInput } from "@/lib/audit/list";
import { closedLoops, fixedRate } from "./audit-append";

const DAY_MS = 86_400_000;

type Args = { secret: string; retentionDays?: number; queries?: { label: string; q: string; since?: string; until?: string; limit?: number }[]; seconds?: number; writers?: number[]; rate?: number };
type PlanNode = { "Node Type": string; "Index Name"?: string; "Relation Name"?: string; Plans?: PlanNode[] };

function walk(node: PlanNode, out: { indexes: Set<string>; seqScans: Set<string> }) {
  if (node["Index Name"]) out.indexes.add(node["Index Name"].replace(/^audit_events_p\d{8}_/, "").replace(/^audit_events_default_/, ""));
  if (node["Node Type"] === "Seq Scan" && node["Relation Name"]) out.seqScans.add(node["Relation Name"]);
  for (const child of node.Plans ?? []) walk(child, out);
}

/**
 * EXPLAIN ANALYZE of the exact statement GET /api/v1/audit runs for the first page: `limit`
 * 101 for a JSON page of 100 (one more says whether there is a next page), 1000 for an export's.
 */
async function explain(handle: DbHandle, queries: NonNullable<Args["queries"]>) {
  const results = [];
  for (const { label, q, since, until, limit = 101 } of queries) {
    const input = listAuditInput.parse({ q, since, until });
    const query = handle.db.select().from(auditEvents).where(and(...auditFilters(input))).orderBy(desc(auditEvents.id)).limit(limit);
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

/**
 * Vigil's retention with AUDIT_RETENTION_DAYS = `days`, run at the moment that puts the
 * cutoff exactly at the end of the oldest daily partition: that day, and nothing younger, expires.
 */
async function retainOldestDay(handle: DbHandle, days: number) {
  const [oldest] = await dailyPartitions(handle.db);
  if (!oldest) throw new Error("no daily partition to drop");
  const now = new Date(oldest.to.getTime() + days * DAY_MS);
  const t0 = performance.now();
  // As the job runs it (actor system:retention): verify trusts only that actor's retention marks.
  const result = await runRetention(handle.db, now);
  return { partition: oldest.name, ms: performance.now() - t0, result };
}

async function run(handle: DbHandle, mode: string, args: Args) {
  switch (mode) {
    // What start-up does before serving that sealing needs: the schema and a signing key.
    case "prepare":
      await applyMigrations(handle);
      await ensureSigningKey(handle.db);
      return { ok: true };
    case "seal": {
      await loadKeyring(handle.db);
      const t0 = performance.now();
      const sealed = await sealPending(handle.db);
      const [last] = await queryRows<{ id: string | null }>(handle.db, sql`select max(last_id)::text as id from audit_checkpoints`);
      return { ms: performance.now() - t0, checkpoints: sealed.length, events: sealed.reduce((n, c) => n + c.eventCount, 0), last_id: Number(last?.id ?? 0) };
    }
    case "explain":
      return explain(handle, args.queries ?? []);
    case "append":
      return closedLoops(handle, args.seconds ?? 10, args.writers ?? [16, 64]);
    case "rate":
      return fixedRate(handle, args.seconds ?? 10, args.rate ?? 2000, () => retainOldestDay(handle, args.retentionDays ?? 30));
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

async function main() {
  const [mode = "", url, arg] = process.argv.slice(2);
  if (!url || !arg) throw new Error("usage: tsx bench/audit-db.ts prepare|seal|explain|append|rate <database-url> <json>");
  const args = JSON.parse(arg) as Args;
  // The server's AUTH_SECRET: it seals the signing key that checkpoints are signed with.
  setConfig(
    loadConfig({
      NODE_ENV: "production",
      AUTH_SECRET: args.secret,
      AUTH_URL: "http://bench.invalid",
      LOG_LEVEL: "silent",
      VIGIL_ALLOW_EMBEDDED_DB: "true",
      AUDIT_RETENTION_DAYS: String(args.retentionDays ?? 30),
    }),
  );
  const handle = await openDatabase({ kind: "postgres", url }, 20);
  try {
    process.stdout.write(`${JSON.stringify(await run(handle, mode, args))}\n`);
  } finally {
    await handle.close();
  }
}

await main();
