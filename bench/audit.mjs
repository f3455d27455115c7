// The audit log at scale, on real PostgreSQL with 1,000,000 events:
// - query p95 over HTTP for the issue's example filters (goal < 50 ms), with the plan each
//   one gets (EXPLAIN ANALYZE of the exact statement) so a missing index shows;
// - append latency under concurrent writers through Vigil's own append paths (goal p95 < 5 ms)
//   next to a bare single-row INSERT in the same run;
// - sealing and verifying the million events (checkpoints).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fixed, heading, percentile, table } from "./lib/format.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { adminToken, startVigil } from "./lib/vigil.mjs";

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const QUERY_RUNS = 40;
const ALERTNAMES = ["HighCPU", "TcpEndpointDownFast", "DiskFull", "MemoryPressure", "PodCrashLooping", "HighLatency", "ErrorRate", "CertExpiring", "QueueBacklog", "NodeDown"];

/** Daily partitions for the seeded days, as Vigil names them (older days than it makes itself). */
export const PARTITIONS = `do $$
declare day date;
begin
  for day in select generate_series((now() at time zone 'UTC')::date - 14, (now() at time zone 'UTC')::date, interval '1 day')::date loop
    execute format('create table if not exists %I partition of audit_events for values from (%L) to (%L)',
      'audit_events_p' || to_char(day, 'YYYYMMDD'), day::timestamp at time zone 'UTC', (day + 1)::timestamp at time zone 'UTC');
  end loop;
end $$`;

/**
 * A realistic mix over the last 13 days: 70% token.issued, 10% auth.failed, alerts and
 * autoheal actions with labels, 1,000 agents. Deterministic (a multiplicative hash of g).
 */
const SEED = (from, to) => `
insert into audit_events (ts, kind, actor, agent_id, client_id, outcome, ip, request_id, alertname, rule, labels, metadata)
select ts, kind, 'agent:' || agent::text, agent, 'client-' || (g % 1000),
  case when kind in ('auth.failed', 'action_fail') then 'failure' else 'success' end,
  ('10.' || (g % 250) || '.' || ((g / 250) % 250) || '.1')::inet,
  md5(g::text),
  case when alerty then alertname end,
  case when kind like 'action%' then 'restart-' || lower(alertname) end,
  case when alerty then jsonb_build_object('alertname', alertname, 'severity', (array['critical','warning','info'])[1 + g % 3], 'instance', 'host-' || (g % 50)) end,
  case when kind = 'token.issued' then jsonb_build_object('jti', md5('j' || g), 'scope', 'svc:read', 'ttl', 600) else jsonb_build_object('duration_ms', g % 500) end
from (
  select g, now() - ((${EVENTS} - g)::float8 / ${EVENTS}) * interval '13 days' as ts,
    md5('agent' || (g % 1000))::uuid as agent,
    (array[${ALERTNAMES.map((a) => `'${a}'`).join(",")}])[1 + (g / 7) % 10] as alertname,
    (g::bigint * 2654435761) % 1000 as r
  from generate_series(${from}, ${to}) g
) s
cross join lateral (select case when r < 700 then 'token.issued' when r < 800 then 'auth.failed' when r < 850 then 'token.introspected'
  when r < 900 then 'alert_received' when r < 940 then 'action_ok' when r < 960 then 'action_fail' when r < 980 then 'action_dry_run'
  else 'agent.updated' end as kind) k
cross join lateral (select k.kind in ('alert_received', 'action_ok', 'action_fail', 'action_dry_run') as alerty) a`;

/**
 * The seeded log other sections share (the console bench reads the same million events).
 * @param {import("postgres").Sql} sql
 */
export async function seedAuditEvents(sql) {
  await sql.unsafe(PARTITIONS);
  for (let from = 1; from <= EVENTS; from += 100_000) await sql.unsafe(SEED(from, Math.min(EVENTS, from + 99_999)));
  // As autovacuum would have by now: GIN pending lists merged, statistics current.
  await sql.unsafe("vacuum analyze audit_events");
}

export { EVENTS as AUDIT_EVENTS };

/** @param {string} root @param {string[]} args */
function auditDb(root, args) {
  const run = spawnSync(path.join(root, "node_modules/.bin/tsx"), ["bench/audit-db.ts", ...args], { cwd: root, encoding: "utf8", maxBuffer: 16 << 20 });
  if (run.status !== 0) throw new Error(`bench/audit-db.ts ${args[0]} failed: ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "null");
}

/** @param {import("./run.mjs").SectionContext} ctx */
export async function auditBench(ctx) {
  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  const vigil = await startVigil({
    root: ctx.root,
    databaseUrl: db.url,
    logDir: ctx.logDir,
    // The bench seals on demand (and times it); the API limits would throttle one client.
    env: { AUDIT_CHECKPOINT_SECONDS: "86400", RATE_LIMIT_API_PER_IP: "0", RATE_LIMIT_API_PER_SUBJECT: "0", DATABASE_STATEMENT_TIMEOUT_MS: "600000" },
  });
  ctx.defer("stop Vigil", () => vigil.service.stop());
  const token = await adminToken(vigil);
  const get = async (pathname, init = {}) => {
    const res = await fetch(`${vigil.baseUrl}${pathname}`, { ...init, headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (!res.ok) throw new Error(`${pathname} -> HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };

  ctx.log(`seeding ${EVENTS.toLocaleString("en")} events over 13 days...`);
  const t0 = performance.now();
  await seedAuditEvents(db.sql);
  ctx.log(`seeded in ${fixed((performance.now() - t0) / 1000)} s`);

  const [agent] = await db.sql`select agent_id from audit_events where agent_id is not null limit 1`;
  const [jti] = await db.sql`select metadata->>'jti' as j from audit_events where kind = 'token.issued' offset 5000 limit 1`;
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
  const queries = [
    { label: "kind OR alertname", q: "kind=action_fail OR alertname=HighCPU" },
    { label: "kind AND alertname", q: "kind=action_ok AND alertname=TcpEndpointDownFast" },
    { label: "contains, NOT, label", q: "(kind~token AND NOT outcome=success) OR label.severity=critical" },
    { label: "ts range + agent", q: `ts>=${weekAgo} agent=${agent.agent_id}` },
    { label: "label equality", q: "label.severity=critical kind=action_fail" },
    { label: "meta equality", q: `meta.jti=${jti.j}` },
  ];

  const plans = auditDb(ctx.root, ["explain", db.url, JSON.stringify(queries)]);
  const timings = [];
  for (const { label, q } of queries) {
    const url = `/api/v1/audit?n=100&q=${encodeURIComponent(q)}`;
    for (let i = 0; i < 3; i++) await get(url);
    const ms = [];
    let count = 0;
    for (let i = 0; i < QUERY_RUNS; i++) {
      const s = performance.now();
      count = (await get(url)).events.length;
      ms.push(performance.now() - s);
    }
    timings.push({ label, q, events: count, p50_ms: percentile(ms, 50), p95_ms: percentile(ms, 95) });
  }
  console.log(heading(`audit query over HTTP, ${EVENTS.toLocaleString("en")} events, first page of 100 (goal p95 < 50 ms)`));
  console.log(
    table(
      ["query", "rows", "p50 ms", "p95 ms", "p95 / 50 ms", "plan (indexes; seq scans)", "db ms"],
      timings.map((t, i) => [t.label, t.events, fixed(t.p50_ms), fixed(t.p95_ms), fixed(t.p95_ms / 50, 2), `${plans[i].indexes.join(", ") || "-"}; ${plans[i].seq_scans}`, fixed(plans[i].execution_ms)]),
    ),
  );

  if (process.env.BENCH_AUDIT_QUERIES_ONLY) return;
  ctx.log("append latency (10 s per path and writer count)...");
  const appends = auditDb(ctx.root, ["append", db.url, JSON.stringify({ seconds: Math.max(3, ctx.settings.seconds), writers: [16, 64] })]);
  console.log(heading("audit append latency under concurrent writers (goal p95 < 5 ms)"));
  const rows = [];
  for (const a of appends) {
    for (const [name, r] of [["Vigil, group commit (hot path)", a.grouped], ["Vigil, one event per transaction", a.single], ["bare INSERT, no lock (peer)", a.bare]]) {
      rows.push([name, a.writers, Math.round(r.per_second), fixed(r.p50_ms, 2), fixed(r.p95_ms, 2), fixed(r.p99_ms, 2), fixed(r.p95_ms / 5, 2)]);
    }
  }
  console.log(table(["path", "writers", "appends/s", "p50 ms", "p95 ms", "p99 ms", "p95 / 5 ms"], rows));

  ctx.log("sealing every event into checkpoints, then verifying them...");
  const [{ n: total }] = await db.sql`select count(*)::int as n from audit_events`;
  let s = performance.now();
  const sealed = await get("/api/v1/audit/checkpoints", { method: "POST" });
  const sealMs = performance.now() - s;
  s = performance.now();
  const report = await get("/api/v1/audit/verify");
  const verifyMs = performance.now() - s;
  console.log(heading("checkpoints"));
  console.log(
    table(
      ["step", "events", "seconds", "events/s"],
      [
        [`seal (${sealed.checkpoints.length} checkpoints)`, total, fixed(sealMs / 1000, 2), Math.round(total / (sealMs / 1000))],
        [`verify (ok: ${report.ok})`, report.checked_events, fixed(verifyMs / 1000, 2), Math.round(report.checked_events / (verifyMs / 1000))],
      ],
    ),
  );
  const file = await ctx.writeResult("audit", { events: EVENTS, queries: timings, plans, appends, seal: { ms: sealMs, checkpoints: sealed.checkpoints.length }, verify: { ms: verifyMs, report } });
  ctx.log(`results: ${file}`);
}
