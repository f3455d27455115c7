// Autoheal on real PostgreSQL (issue 4):
// 1. webhook intake throughput: Alertmanager-shaped payloads (10 alerts each, every alert
//    new) from parallel clients; every 200 means the alerts and their events are committed,
//    and the bench checks the row count equals the alerts accepted;
// 2. arrival -> action latency: a webhook rule pointing at a node:http target in this
//    process; time from sending the webhook to the target receiving the action's request
//    (dry run off), p50/p99 over sequential alerts, goal p99 < 100 ms;
// 3. audit write p95 from Vigil's autoheal_audit_write_seconds histogram, goal < 5 ms (the
//    SLO alert fires at 200 ms).
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { alertWebhook } from "./lib/alerts.mjs";
import { fixed, heading, percentile, table } from "./lib/format.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { parse } from "./lib/prom.mjs";
import { startVigil } from "./lib/vigil.mjs";

const ALERTS_PER_PAYLOAD = 10;
const CLIENTS = Number(process.env.BENCH_AUTOHEAL_CLIENTS ?? 16);
const LATENCY_ALERTS = Number(process.env.BENCH_AUTOHEAL_LATENCY_ALERTS ?? 200);
const TOKEN = randomBytes(24).toString("base64url");

const payload = alertWebhook;

/** @param {string} baseUrl @param {string} body */
const send = (baseUrl, body) =>
  fetch(`${baseUrl}/api/alert`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body });

/**
 * histogram_quantile over the cumulative buckets observed between two scrapes (linear within
 * a bucket, as Prometheus does).
 */
function quantile(before, after, name, q) {
  const buckets = [...after]
    .filter(([k]) => k.startsWith(`${name}_bucket{`))
    .map(([k, v]) => ({ le: Number(/le="([^"]+)"/.exec(k)?.[1]?.replace("+Inf", "Infinity")), n: v - (before.get(k) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (!total) return { value: NaN, count: 0 };
  const rank = q * total;
  let prev = { le: 0, n: 0 };
  for (const b of buckets) {
    if (b.n >= rank) {
      if (!Number.isFinite(b.le)) return { value: prev.le, count: total };
      return { value: prev.le + ((b.le - prev.le) * (rank - prev.n)) / Math.max(1, b.n - prev.n), count: total };
    }
    prev = b;
  }
  return { value: NaN, count: total };
}

/** @param {import("./run.mjs").SectionContext} ctx */
export async function autohealBench(ctx) {
  // The remediation target: records when each action's request arrives.
  const arrivals = new Map();
  const waiters = new Map();
  const target = createServer((req, res) => {
    const at = performance.now();
    req.resume();
    req.on("end", () => {
      const host = (req.url ?? "").split("/").at(-1) ?? "";
      arrivals.set(host, at);
      waiters.get(host)?.(at);
      res.writeHead(200).end("ok");
    });
  });
  target.listen(0, "127.0.0.1");
  await once(target, "listening");
  ctx.defer("stop the target", () => new Promise((r) => target.close(r)));
  const targetUrl = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (target.address()).port}`;

  const dir = mkdtempSync(path.join(tmpdir(), "vigil-bench-autoheal-"));
  const rules = path.join(dir, "rules.yml");
  writeFileSync(
    rules,
    `rules:
  - name: bench-heal
    match: { alertname: BenchLatency }
    action: { kind: webhook, url: "${targetUrl}/heal/{{ labels.instance }}", retries: 0, timeout_ms: 5000 }
    cooldown: 1m
    blast_radius: { max_actions: 10000, window: 1h }
`,
  );

  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  const vigil = await startVigil({
    root: ctx.root,
    databaseUrl: db.url,
    logDir: ctx.logDir,
    env: { AUTOHEAL_RULES: rules, AUTOHEAL_ALERT_TOKEN: TOKEN, AUTOHEAL_DRY_RUN: "false", AUTOHEAL_ENABLED: "true" },
  });
  ctx.defer("stop Vigil", () => vigil.service.stop());

  // 1. Intake throughput.
  for (let i = 0; i < 20; i++) if (!(await send(vigil.baseUrl, payload("BenchIntake", ALERTS_PER_PAYLOAD))).ok) throw new Error("warm-up webhook refused");
  const [{ n: before }] = await db.sql`select count(*)::int as n from autoheal_alerts`;
  const scrape = async () => parse(await (await fetch(`${vigil.baseUrl}/metrics`)).text());
  const m0 = await scrape();
  ctx.log(`intake: ${CLIENTS} clients x ${ALERTS_PER_PAYLOAD} alerts per payload, ${ctx.settings.seconds} s...`);
  const latencies = [];
  let accepted = 0;
  let refused = 0;
  const started = performance.now();
  const until = started + ctx.settings.seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const s = performance.now();
        const res = await send(vigil.baseUrl, payload("BenchIntake", ALERTS_PER_PAYLOAD));
        await res.arrayBuffer();
        if (res.status === 200) {
          accepted += ALERTS_PER_PAYLOAD;
          latencies.push(performance.now() - s);
        } else refused += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const [{ n: after }] = await db.sql`select count(*)::int as n from autoheal_alerts`;
  const [{ n: events }] = await db.sql`select count(*)::int as n from audit_events where kind = 'alert_received' and alertname = 'BenchIntake'`;

  const m1 = await scrape();

  // 2. Arrival -> action latency, one alert at a time (each a new alert, so each acts).
  ctx.log(`arrival -> action: ${LATENCY_ALERTS} alerts...`);
  const toAction = [];
  for (let i = 0; i < LATENCY_ALERTS + 10; i++) {
    const body = payload("BenchLatency", 1);
    const host = `host-${seq}`;
    const arrived = new Promise((resolve) => waiters.set(host, resolve));
    const s = performance.now();
    const res = await send(vigil.baseUrl, body);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`latency webhook refused: ${res.status}`);
    const at = /** @type {number} */ (await Promise.race([arrived, new Promise((_, reject) => setTimeout(() => reject(new Error(`no action for ${host} within 10 s`)), 10_000).unref())]));
    waiters.delete(host);
    if (i >= 10) toAction.push(at - s); // the first ten warm the runner's connections
  }
  const [{ n: oks }] = await db.sql`select count(*)::int as n from audit_events where kind = 'action_ok' and alertname = 'BenchLatency'`;

  // 3. Audit writes, as Vigil's own histogram saw them: under the intake's concurrent load
  // (queued on the log's tail lock, which serialises audit commits) and one at a time.
  const m2 = await scrape();
  const loaded = quantile(m0, m1, "autoheal_audit_write_seconds", 0.95);
  const audit = quantile(m1, m2, "autoheal_audit_write_seconds", 0.95);

  const rate = accepted / elapsed;
  const p50 = percentile(toAction, 50);
  const p99 = percentile(toAction, 99);
  console.log(heading("autoheal intake (Alertmanager webhooks, PostgreSQL, committed before the 200)"));
  console.log(
    table(
      ["clients", "alerts/payload", "alerts/s", "payloads/s", "p50 ms", "p99 ms", "refused", "rows = accepted", "events = accepted"],
      [[CLIENTS, ALERTS_PER_PAYLOAD, Math.round(rate), Math.round(rate / ALERTS_PER_PAYLOAD), fixed(percentile(latencies, 50)), fixed(percentile(latencies, 99)), refused, `${after - before} = ${accepted} ${after - before === accepted ? "OK" : "MISMATCH"}`, `${events - 200} = ${accepted} ${events - 200 === accepted ? "OK" : "MISMATCH"}`]],
    ),
  );
  console.log(heading("webhook arrival -> action request at the target (goal p99 < 100 ms)"));
  console.log(table(["alerts", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 / 100 ms", "action_ok events"], [[toAction.length, fixed(p50), fixed(percentile(toAction, 90)), fixed(p99), fixed(Math.max(...toAction)), fixed(p99 / 100, 2), oks]]));
  console.log(heading("autoheal audit write (autoheal_audit_write_seconds, goal p95 < 5 ms; SLO 200 ms)"));
  const row = (label, a) => [label, a.count, fixed(a.value * 1000, 2), fixed((a.value * 1000) / 5, 2), fixed((a.value * 1000) / 200, 3)];
  console.log(table(["phase", "writes", "p95 ms", "p95 / 5 ms", "p95 / 200 ms"], [row("alerts and actions one at a time", audit), row(`intake, ${CLIENTS} concurrent webhooks`, loaded)]));
  console.log(`goal: arrival -> action p99 < 100 ms -> ${p99 < 100 ? "MET" : "NOT MET"}; audit write p95 < 5 ms -> ${audit.value * 1000 < 5 ? "MET" : "NOT MET"}`);

  const file = await ctx.writeResult("autoheal", {
    intake: { clients: CLIENTS, alertsPerPayload: ALERTS_PER_PAYLOAD, seconds: elapsed, accepted, refused, alertsPerSecond: rate, rows: after - before, events: events - 200, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
    arrivalToAction: { alerts: toAction.length, p50Ms: p50, p90Ms: percentile(toAction, 90), p99Ms: p99, maxMs: Math.max(...toAction), actionOk: oks },
    auditWrite: { writes: audit.count, p95Ms: audit.value * 1000, underIntakeLoad: { writes: loaded.count, p95Ms: loaded.value * 1000 } },
  });
  ctx.log(`results: ${file}`);
}
