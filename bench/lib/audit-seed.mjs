// The seeded audit log the audit and console benches read: `events` rows spread evenly over
// `days` whole days and today so far, written with plain INSERTs into the table Vigil's
// migrations made, every index live (indexes built after the load would be packed tighter
// than a log that grew row by row, and flatter the queries; on this machine they were not
// faster to build either), then VACUUM ANALYZE as autovacuum would have.
const DAY_MS = 86_400_000;
const ALERTNAMES = ["HighCPU", "TcpEndpointDownFast", "DiskFull", "MemoryPressure", "PodCrashLooping", "HighLatency", "ErrorRate", "CertExpiring", "QueueBacklog", "NodeDown"];
const BATCH = 100_000;
const COLUMNS = "id, ts, kind, actor, agent_id, client_id, outcome, ip, request_id, alertname, rule, labels, metadata";

/**
 * Size of the log from BENCH_AUDIT_EVENTS / BENCH_AUDIT_DAYS, else the section's defaults.
 * @param {number} events @param {number} days
 */
export function auditSize(events, days) {
  return { events: Number(process.env.BENCH_AUDIT_EVENTS ?? events), days: Number(process.env.BENCH_AUDIT_DAYS ?? days) };
}

/**
 * Rows g in [a, b] of the log whose timestamp falls in [from, to): a realistic mix (70%
 * token.issued, 10% auth.failed, alerts and autoheal actions with labels, 1,000 agents),
 * deterministic (a multiplicative hash of g). Event g has id base + g and a timestamp
 * (milliseconds, as Vigil writes them) that grows evenly with g from `start` to `end`: ids
 * follow time, as in a log that grew.
 * @param {{ events: number, start: Date, end: Date, base: number }} log
 * @param {{ from: Date, to: Date }} day @param {number} a @param {number} b
 */
const rows = ({ events, start, end, base }, day, a, b) => `
with agents as materialized (
  select array_agg(md5('agent' || i)::uuid order by i) as ids, array_agg('agent:' || md5('agent' || i)::uuid order by i) as actors from generate_series(0, 999) i
)
select ${base} + g, ts, kind, agents.actors[1 + g % 1000], agents.ids[1 + g % 1000], 'client-' || (g % 1000),
  case when kind in ('auth.failed', 'action_fail') then 'failure' else 'success' end,
  '10.0.0.1'::inet + ((g % 250) * 65536 + ((g / 250) % 250) * 256),
  md5(g::text),
  case when alerty then alertname end,
  case when kind like 'action%' then 'restart-' || lower(alertname) end,
  case when alerty then jsonb_build_object('alertname', alertname, 'severity', (array['critical','warning','info'])[1 + g % 3], 'instance', 'host-' || (g % 50)) end,
  case when kind = 'token.issued' then jsonb_build_object('jti', md5('j' || g), 'scope', 'svc:read', 'ttl', 600) else jsonb_build_object('duration_ms', g % 500) end
from agents, (
  select g, ts, alertname, kind, kind in ('alert_received', 'action_ok', 'action_fail', 'action_dry_run') as alerty from (
    select g, date_trunc('milliseconds', '${start.toISOString()}'::timestamptz + ((g - 1)::float8 / ${events}) * interval '${end.getTime() - start.getTime()} milliseconds') as ts,
      (array[${ALERTNAMES.map((n) => `'${n}'`).join(",")}])[1 + (g / 7) % 10] as alertname,
      case when r < 700 then 'token.issued' when r < 800 then 'auth.failed' when r < 850 then 'token.introspected'
        when r < 900 then 'alert_received' when r < 940 then 'action_ok' when r < 960 then 'action_fail' when r < 980 then 'action_dry_run'
        else 'agent.updated' end as kind
    from (select g, (g::bigint * 2654435761) % 1000 as r from generate_series(${a}, ${b}) g) r
  ) k
  where ts >= '${day.from.toISOString()}' and ts < '${day.to.toISOString()}'
) s`;

/**
 * Plans the log: `days` whole days (UTC) and today so far, one partition each, named as Vigil
 * names them, and which rows each gets. Ids are reserved from Vigil's sequence in one block,
 * so that days can be loaded in parallel and still carry ids in time order, and anything
 * Vigil writes later comes after.
 * @param {import("postgres").Sql} sql @param {{ events: number, days: number }} size
 */
export async function planAuditLog(sql, { events, days }) {
  const end = new Date();
  const start = new Date(Math.floor(end.getTime() / DAY_MS) * DAY_MS - days * DAY_MS);
  // Nothing else may take ids meanwhile (the audit bench seeds before Vigil starts).
  const [{ base }] = await sql`select setval('audit_events_id_seq', nextval('audit_events_id_seq') + ${events} - 1) - ${events} as base`;
  const log = { events, days, start, end, base: Number(base) };
  /** Event g falls at or after `t` from this g on, give or take a row: the database's float arithmetic decides. */
  const gAt = (/** @type {number} */ t) => Math.min(events + 1, Math.max(1, 1 + Math.ceil(((t - start.getTime()) / (end.getTime() - start.getTime())) * events)));
  const parts = [];
  for (let from = start.getTime(); from <= end.getTime(); from += DAY_MS) {
    const name = `audit_events_p${new Date(from).toISOString().slice(0, 10).replaceAll("-", "")}`;
    parts.push({ name, from: new Date(from), to: new Date(from + DAY_MS), a: gAt(from), b: gAt(from + DAY_MS) - 1 });
  }
  return { ...log, partitions: parts };
}

/**
 * Loads the given days (`workers` INSERT streams at once, one day each, batches of 100,000)
 * into partitions made with the statement Vigil's ensurePartitions uses.
 * @param {import("postgres").Sql} sql @param {Awaited<ReturnType<typeof planAuditLog>>} log
 * @param {Awaited<ReturnType<typeof planAuditLog>>["partitions"]} days @param {number} workers
 */
export async function loadAuditDays(sql, log, days, workers) {
  for (const p of days) {
    await sql.unsafe(`create table if not exists ${p.name} partition of audit_events for values from ('${p.from.toISOString()}') to ('${p.to.toISOString()}')`);
  }
  const queue = [...days];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      // Two rows of slack each side: the filter on ts puts each row in exactly one day.
      const [a, b] = [Math.max(1, p.a - 2), Math.min(log.events, p.b + 2)];
      for (let g = a; g <= b; g += BATCH) await sql.unsafe(`insert into audit_events (${COLUMNS}) ${rows(log, p, g, Math.min(b, g + BATCH - 1))}`);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * VACUUM ANALYZE as autovacuum would have by now (GIN pending lists merged, visibility map
 * set, statistics current): VACUUM of the partitions `workers` at a time, then ANALYZE of the
 * parent, which samples each partition and the log as a whole.
 * @param {import("postgres").Sql} sql @param {{ name: string }[]} partitions @param {number} workers
 */
export async function vacuumAuditLog(sql, partitions, workers) {
  const queue = [...partitions];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) await sql.unsafe(`vacuum ${p.name}`);
  };
  await Promise.all(Array.from({ length: workers }, worker));
  await sql.unsafe("analyze audit_events");
}

/**
 * The whole log in one go (the console bench). `sql` needs `workers` connections.
 * @param {import("postgres").Sql} sql @param {{ events: number, days: number }} size
 */
export async function seedAuditEvents(sql, size, workers = 2) {
  const log = await planAuditLog(sql, size);
  await loadAuditDays(sql, log, log.partitions, workers);
  await vacuumAuditLog(sql, log.partitions, workers);
  return log;
}
