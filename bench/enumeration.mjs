// Client enumeration by timing (issue 19, item 5): can someone with no credential learn
// which client ids exist from how long the token endpoint takes to refuse them?
// On each database, one Vigil, one real agent whose credential is in use (so it sits in
// Vigil's client cache, an attacker's best case), and two kinds of probe, sent one at a time
// in random order over one keep-alive connection, as an attacker measuring would:
// - known:   the agent's client_id with a wrong secret;
// - unknown: a client_id of the same shape that exists nowhere (fresh for every probe, as
//            when guessing).
// Every probe must answer 401 invalid_client with the same body. The two latency samples are
// compared with a Mann-Whitney U test and the Vargha-Delaney A (the chance that one
// unknown-id probe is slower than one known-id probe): 0.5 is a coin toss.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fixed, heading, percentile, table } from "./lib/format.mjs";
import { basicAuth, tokenRequest } from "./lib/oauth.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { mannWhitney } from "./lib/stats.mjs";
import { adminToken, createAgentWithCredential, startVigil } from "./lib/vigil.mjs";

const GOAL =
  "an unknown client_id and a known one with a wrong secret cannot be told apart by timing — Vargha-Delaney A within 0.5 ± 0.05 and Mann-Whitney p ≥ 0.01";
const SAMPLES = Number(process.env.BENCH_ENUM_SAMPLES ?? 1000);
const WARMUP = 200;
// The real agent keeps using its credential meanwhile, so it stays cached.
const AGENT_EVERY = 25;
const VIGIL_ENV = { RATE_LIMIT_TOKEN_PER_IP: "1000000:1000000", RATE_LIMIT_TOKEN_PER_CLIENT: "1000000:1000000", TOKEN_MONTHLY_QUOTA: "0" };
const BODY = "grant_type=client_credentials";

/** @param {import("./run.mjs").SectionContext} ctx */
export async function enumerationBench(ctx) {
  const rows = [];
  const results = [];
  for (const database of ["postgres", "embedded"]) {
    const db = database === "postgres" ? await createBenchDatabase() : null;
    if (db) ctx.defer(`drop database ${db.name}`, () => db.drop());
    const dataDir = db ? undefined : mkdtempSync(path.join(tmpdir(), "vigil-bench-enum-"));
    const vigil = await startVigil({ root: ctx.root, databaseUrl: db?.url ?? null, dataDir, logDir: ctx.logDir, env: VIGIL_ENV });
    ctx.defer(`stop Vigil (${database})`, () => vigil.service.stop());
    ctx.log(`${database}: Vigil ${vigil.baseUrl} (log ${vigil.service.logFile})`);
    const cred = await createAgentWithCredential(vigil, await adminToken(vigil), { name: "enumeration-bench", scopes: ["svc:read"] });
    const url = `${vigil.baseUrl}/api/v1/token`;
    const agentAuth = basicAuth(cred.clientId, cred.clientSecret);
    const known = basicAuth(cred.clientId, `vgs_${randomBytes(32).toString("base64url")}`);
    const guess = () => basicAuth(`vgc_${randomBytes(12).toString("base64url")}`, `vgs_${randomBytes(32).toString("base64url")}`);
    let refusal = "";

    /** One refused probe; its latency in ms. @param {string} authorization */
    const probe = async (authorization) => {
      const started = performance.now();
      const res = await tokenRequest(url, authorization, BODY);
      const ms = performance.now() - started;
      if (res.status !== 401 || res.json?.error !== "invalid_client") throw new Error(`a probe was not refused with invalid_client: HTTP ${res.status} ${res.text.slice(0, 300)}`);
      refusal ||= res.text;
      if (res.text !== refusal) throw new Error(`two refusals differ: ${refusal} / ${res.text}`);
      return ms;
    };
    const agentUses = async () => {
      const res = await tokenRequest(url, agentAuth, BODY);
      if (res.status !== 200) throw new Error(`the agent's own token request failed: HTTP ${res.status}`);
    };

    /** @type {{ known: number[], unknown: number[] }} */
    const samples = { known: [], unknown: [] };
    await agentUses();
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      if (i % AGENT_EVERY === 0) await agentUses();
      const knownFirst = Math.random() < 0.5;
      const first = await probe(knownFirst ? known : guess());
      const second = await probe(knownFirst ? guess() : known);
      if (i < WARMUP) continue;
      samples.known.push(knownFirst ? first : second);
      samples.unknown.push(knownFirst ? second : first);
    }
    const test = mannWhitney(samples.unknown, samples.known);
    const met = Math.abs(test.a - 0.5) <= 0.05 && test.p >= 0.01;
    for (const side of /** @type {const} */ (["known", "unknown"])) {
      const xs = samples[side];
      rows.push([database, side === "known" ? "known id, wrong secret" : "unknown id", fixed(percentile(xs, 50), 2), fixed(percentile(xs, 90), 2), fixed(percentile(xs, 99), 2)]);
    }
    results.push({ database, samples: SAMPLES, medianKnownMs: percentile(samples.known, 50), medianUnknownMs: percentile(samples.unknown, 50), ...test, met });
    await vigil.service.stop();
  }

  console.log(heading(`Client enumeration by timing: POST /api/v1/token refusals, ${SAMPLES} probes per side, one at a time`));
  console.log(table(["database", "probe", "p50 ms", "p90 ms", "p99 ms"], rows, { alignLeft: [0, 1] }));
  console.log("");
  console.log(
    table(
      ["database", "median diff ms", "Vargha-Delaney A", "Mann-Whitney z", "p", "goal"],
      results.map((r) => [r.database, fixed(r.medianUnknownMs - r.medianKnownMs, 3), fixed(r.a, 3), fixed(r.z, 2), r.p < 0.0001 ? r.p.toExponential(1) : fixed(r.p, 4), r.met ? "met" : "MISSED"]),
    ),
  );
  console.log(`goal: ${GOAL}`);
  console.log(`results: ${await ctx.writeResult("enumeration", { goal: GOAL, results })}`);
}
