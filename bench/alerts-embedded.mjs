// Section "alerts-embedded": Alertmanager webhooks at a fixed rate (default 100 alerts/s, one
// new alert per webhook, open loop: each is sent on schedule whether or not the previous one
// was answered, so a slow intake shows as latency rather than as a lower rate) to Vigil on
// the embedded database (PGlite) and, in the same run, on PostgreSQL — the production path.
// Issue 18's goal: intake p99 < 250 ms on PGlite at 100 alerts/s. Every webhook must be
// answered 200 (each means its alert and job are committed).
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { alertWebhook } from "./lib/alerts.mjs";
import { fixed, heading, percentile, table } from "./lib/format.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { startVigil } from "./lib/vigil.mjs";

const RATE = Number(process.env.BENCH_ALERTS_PER_SECOND ?? 100);
const GOAL_P99_MS = 250;
const TOKEN = randomBytes(24).toString("base64url");


/**
 * Sends RATE webhooks per second for `seconds`, each at its scheduled time.
 * @param {string} baseUrl @param {number} seconds
 */
async function openLoop(baseUrl, seconds) {
  const total = Math.round(RATE * seconds);
  const started = performance.now();
  /** @type {Promise<{ ms: number, status: number }>[]} */
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    pending.push(
      fetch(`${baseUrl}/api/alert`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: alertWebhook("BenchEmbedded", 1) })
        .then(async (res) => {
          await res.arrayBuffer();
          return { ms: performance.now() - sent, status: res.status };
        })
        .catch(() => ({ ms: performance.now() - sent, status: 0 })),
    );
  }
  const results = await Promise.all(pending);
  const ms = results.map((r) => r.ms);
  return { sent: total, ok: results.filter((r) => r.status === 200).length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), seconds: (performance.now() - started) / 1000 };
}

/** @param {import("./run.mjs").SectionContext} ctx */
export async function alertsEmbeddedBench(ctx) {
  const dir = mkdtempSync(path.join(tmpdir(), "vigil-bench-embedded-"));
  const rules = path.join(dir, "rules.yml");
  // A rule that matches every alert, in dry run (Vigil's default): each alert queues a job the
  // runner takes, as in a real deployment, without a target to slow it down.
  writeFileSync(rules, `rules:\n  - name: bench-embedded\n    match: { alertname: BenchEmbedded }\n    action: { kind: webhook, url: "http://127.0.0.1:9/heal/{{ labels.instance }}", retries: 0, timeout_ms: 1000 }\n    cooldown: 1m\n    blast_radius: { max_actions: 10000, window: 1h }\n`);
  const env = { AUTOHEAL_RULES: rules, AUTOHEAL_ALERT_TOKEN: TOKEN };

  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  const sides = [
    { name: "PGlite (embedded)", vigil: await startVigil({ root: ctx.root, databaseUrl: null, dataDir: path.join(dir, "data"), logDir: ctx.logDir, env }) },
    { name: "PostgreSQL", vigil: await startVigil({ root: ctx.root, databaseUrl: db.url, logDir: ctx.logDir, env }) },
  ];
  for (const s of sides) ctx.defer(`stop Vigil (${s.name})`, () => s.vigil.service.stop());

  /** @type {{ side: string, phase: string, sent: number, ok: number, p50: number, p99: number, max: number, seconds: number }[]} */
  const runs = [];
  for (const s of sides) {
    const warm = await openLoop(s.vigil.baseUrl, 2);
    ctx.log(`${s.name} warm-up: p99 ${fixed(warm.p99)} ms`);
  }
  for (let r = 1; r <= ctx.settings.rounds; r++) {
    for (const s of sides) {
      const result = await openLoop(s.vigil.baseUrl, ctx.settings.seconds);
      runs.push({ side: s.name, phase: `round ${r}`, ...result });
      ctx.log(`${s.name} round ${r}: ${result.ok}/${result.sent} answered 200, p50 ${fixed(result.p50)} ms, p99 ${fixed(result.p99)} ms, max ${fixed(result.max)} ms`);
    }
  }
  const embedded = runs.filter((r) => r.side === sides[0]?.name);
  const worstP99 = Math.max(...embedded.map((r) => r.p99));
  const allOk = runs.every((r) => r.ok === r.sent);
  const met = worstP99 < GOAL_P99_MS && allOk;
  console.log(
    [
      heading(`Alert intake at ${RATE} alerts/s (one per webhook, open loop), ${ctx.settings.seconds} s x ${ctx.settings.rounds} rounds`),
      table(
        ["run", "sent", "200", "p50 ms", "p99 ms", "max ms", "p99 / goal"],
        runs.map((r) => [`${r.side} ${r.phase}`, r.sent, r.ok, fixed(r.p50), fixed(r.p99), fixed(r.max), fixed(r.p99 / GOAL_P99_MS, 2)]),
      ),
      `goal: PGlite intake p99 < ${GOAL_P99_MS} ms at ${RATE} alerts/s, every webhook answered 200 -> ${met ? "MET" : "NOT MET"} (worst round p99 ${fixed(worstP99)} ms${allOk ? "" : "; some webhooks were not answered 200"})`,
    ].join("\n"),
  );
  const file = await ctx.writeResult("alerts-embedded", { settings: { ...ctx.settings, alertsPerSecond: RATE }, goal: { description: `PGlite intake p99 < ${GOAL_P99_MS} ms at ${RATE} alerts/s`, met }, runs });
  console.log(`results: ${file}`);
}
