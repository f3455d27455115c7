// Runtime policy (issue 15), three figures in one run:
// 1. The gateway validator with a realistic set for the token's audience (50 policies, 20
//    route templates, the request's path rotating over the 20 routes) against the same
//    validator for a token whose audience has no set. Goal: >= 0.8x req/s, p99 <= 1.3x.
// 2. One Cedar decision, in process, for sets of 50 and 1,000 policies (bench/policy-engine.ts,
//    the engine Vigil uses, with the entities the gateway builds). Goal: p99 < 1 ms at 1,000.
// 3. From a change saved on one instance to its enforcement on a second instance on the same
//    PostgreSQL (the second's validator polled until its answer flips). Goal: < 1 s.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { waitForQuietMachine } from "./lib/cpu.mjs";
import { fixed, heading, mean, percentile, table } from "./lib/format.mjs";
import { runLoad } from "./lib/load.mjs";
import { basicAuth, tokenRequest } from "./lib/oauth.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { REQUESTS, SCOPES, realisticSet } from "./lib/policy-set.mjs";
import { adminCall, adminToken, createAgentWithCredential, startVigil } from "./lib/vigil.mjs";

const GOVERNED = "https://invoices.bench/";
const UNGOVERNED = "https://orders.bench/";
const WITH = "validator, 50 policies";
const WITHOUT = "validator, no policy";
const FLIPS = 12;

/** @param {import("./run.mjs").SectionContext} ctx */
export async function policyBench(ctx) {
  const { seconds, rounds, warmupSeconds, connections, quietWaitSeconds } = ctx.settings;
  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  const shared = {
    RATE_LIMIT_VALIDATE_PER_IP: "1000000:1000000",
    RATE_LIMIT_VALIDATE_PER_SUBJECT: "1000000:1000000",
    RATE_LIMIT_API_PER_IP: "1000:1000",
    RATE_LIMIT_API_PER_SUBJECT: "1000:1000",
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    VIGIL_BOOTSTRAP_ADMIN_SECRET: randomBytes(32).toString("base64url"),
  };
  const a = await startVigil({ root: ctx.root, databaseUrl: db.url, logDir: ctx.logDir, env: { ...shared, VALIDATOR_AUDIENCES: `${GOVERNED},${UNGOVERNED}` } });
  ctx.defer("stop Vigil A", () => a.service.stop());
  const b = await startVigil({ root: ctx.root, databaseUrl: db.url, logDir: ctx.logDir, env: { ...shared, AUTH_URL: a.baseUrl, VALIDATOR_AUDIENCES: `${GOVERNED},${UNGOVERNED}` } });
  ctx.defer("stop Vigil B", () => b.service.stop());

  const admin = await adminToken(a);
  const set = realisticSet(50);
  const saved = await adminCall(a, admin, "POST", "/api/v1/policies/bench/versions", { audience: GOVERNED, text: set.text, routes: set.routes, comment: "bench: 50 policies, 20 routes" });
  const cred = await createAgentWithCredential(a, admin, { name: "policy-bench", scopes: SCOPES, resources: [GOVERNED, UNGOVERNED] });
  const tokenFor = async (/** @type {string} */ resource) => {
    const res = await tokenRequest(`${a.baseUrl}/api/v1/token`, basicAuth(cred.clientId, cred.clientSecret), `grant_type=client_credentials&resource=${encodeURIComponent(resource)}`);
    if (res.status !== 200 || typeof res.json?.access_token !== "string") throw new Error(`token for ${resource}: ${res.status} ${res.text}`);
    return res.json.access_token;
  };
  const tokens = { [WITH]: await tokenFor(GOVERNED), [WITHOUT]: await tokenFor(UNGOVERNED) };
  const validate = `${a.baseUrl}/api/auth/validate`;

  // Every route is allowed for the agent under load, on both sides, before anything is timed;
  // and a route it lacks the scope for is refused, so the policy is really deciding.
  for (const [side, token] of Object.entries(tokens)) {
    for (const r of REQUESTS) {
      const res = await fetch(validate, { headers: { authorization: `Bearer ${token}`, "x-original-uri": r.path, "x-original-method": r.method } });
      if (res.status !== 200) throw new Error(`${side}: ${r.method} ${r.path} -> ${res.status} ${res.headers.get("x-vigil-policy") ?? ""}`);
    }
  }
  const refused = await fetch(validate, { headers: { authorization: `Bearer ${tokens[WITH]}`, "x-original-uri": "/tenants/42/unknown", "x-original-method": "GET" } });
  if (refused.status !== 403) throw new Error(`a path matching no route was not refused: ${refused.status}`);

  const measure = async (/** @type {string} */ side, /** @type {string} */ phase, /** @type {number} */ secs) => {
    const result = await runLoad({
      label: `${side} ${phase}`,
      url: validate,
      method: "GET",
      headers: { authorization: `Bearer ${tokens[side]}` },
      seconds: secs,
      connections,
      perConnection: () => {
        let i = Math.floor(Math.random() * REQUESTS.length);
        return {
          body: () => undefined,
          headers: () => {
            const r = REQUESTS[i++ % REQUESTS.length];
            return { "x-original-uri": r.path, "x-original-method": r.method };
          },
          answer: () => true,
        };
      },
    });
    ctx.log(`${result.label}: ${fixed(result.rps)} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms${result.clean ? "" : " <-- FLAGGED"}`);
    return { ...result, side, phase };
  };
  await waitForQuietMachine({ thresholdPercent: 30, maxWaitMs: quietWaitSeconds * 1000 });
  const sides = [WITH, WITHOUT];
  for (const side of sides) await measure(side, "warm-up", warmupSeconds);
  const runs = [];
  for (let r = 1; r <= rounds; r++) for (const side of r % 2 ? sides : [...sides].reverse()) runs.push(await measure(side, `round ${r}`, seconds));
  const summary = Object.fromEntries(
    sides.map((side) => {
      const mine = runs.filter((r) => r.side === side);
      return [side, { rps: mean(mine.map((r) => r.rps)), p50Ms: mean(mine.map((r) => r.latencyMs.p50)), p99Ms: mean(mine.map((r) => r.latencyMs.p99)), clean: mine.every((r) => r.clean) }];
    }),
  );
  const rpsRatio = summary[WITH].rps / summary[WITHOUT].rps;
  const p99Ratio = summary[WITH].p99Ms / summary[WITHOUT].p99Ms;
  const gatewayMet = rpsRatio >= 0.8 && p99Ratio <= 1.3 && summary[WITH].clean && summary[WITHOUT].clean;

  // 2. The engine alone.
  await waitForQuietMachine({ thresholdPercent: 30, maxWaitMs: quietWaitSeconds * 1000 });
  const engineRun = spawnSync(path.join(ctx.root, "node_modules/.bin/tsx"), ["bench/policy-engine.ts", "50", "1000"], { cwd: ctx.root, encoding: "utf8", maxBuffer: 1 << 20 });
  if (engineRun.status !== 0) throw new Error(`bench/policy-engine.ts failed: ${engineRun.stderr.slice(-2000)}`);
  /** @type {{ size: number, decisions: number, p50Ms: number, p99Ms: number, maxMs: number }[]} */
  const engine = engineRun.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const thousand = engine.find((e) => e.size === 1000);
  const engineMet = thousand !== undefined && thousand.p99Ms < 1;

  // 3. Change on A, enforcement on B: each save alternates between the set and the set
  // closed to Calls; B's validator is asked back to back until its answer flips.
  const closed = `${set.text}\n\n@id("freeze") forbid (principal, action == Vigil::Action::"Call", resource);`;
  const probe = REQUESTS[0];
  const askB = async () =>
    (await fetch(`${b.baseUrl}/api/auth/validate`, { headers: { authorization: `Bearer ${tokens[WITH]}`, "x-original-uri": probe.path, "x-original-method": probe.method } })).status;
  /** @type {number[]} */
  const flips = [];
  let version = saved.version;
  for (let i = 0; i < FLIPS; i++) {
    const expected = i % 2 === 0 ? 403 : 200;
    const started = performance.now();
    const next = await adminCall(a, admin, "POST", "/api/v1/policies/bench/versions", { audience: GOVERNED, text: i % 2 === 0 ? closed : set.text, routes: set.routes, comment: `flip ${i}`, base_version: version });
    version = next.version;
    for (;;) {
      const status = await askB();
      if (status === expected) break;
      if (performance.now() - started > 10_000) throw new Error(`instance B still answers ${status} 10 s after version ${version} was saved`);
    }
    flips.push(performance.now() - started);
  }
  const flipP50 = percentile(flips, 50);
  const flipMax = Math.max(...flips);
  const propagationMet = flipMax < 1000;

  console.log(
    [
      heading(`Policy: the gateway validator with a 50-policy set vs none, ${connections} connections, ${seconds} s x ${rounds} rounds`),
      table(["run", "req/s", "p50 ms", "p99 ms", "2xx", "non-2xx", "errors"], runs.map((r) => [r.label, fixed(r.rps), r.latencyMs.p50, r.latencyMs.p99, r.ok2xx, r.non2xx, r.errors + r.timeouts])),
      "",
      table(
        ["", "req/s (mean)", "p50 ms", "p99 ms"],
        [
          [WITH, fixed(summary[WITH].rps), fixed(summary[WITH].p50Ms, 2), fixed(summary[WITH].p99Ms, 2)],
          [WITHOUT, fixed(summary[WITHOUT].rps), fixed(summary[WITHOUT].p50Ms, 2), fixed(summary[WITHOUT].p99Ms, 2)],
          ["with / without", `${fixed(rpsRatio, 2)}x`, `${fixed(summary[WITH].p50Ms / summary[WITHOUT].p50Ms, 2)}x`, `${fixed(p99Ratio, 2)}x`],
        ],
      ),
      `goal: with policy >= 0.8x req/s and p99 <= 1.3x -> ${gatewayMet ? "MET" : "NOT MET"} (${fixed(rpsRatio, 2)}x req/s, p99 ${fixed(p99Ratio, 2)}x)`,
      "",
      table(["Cedar decision (in process)", "decisions", "p50 ms", "p99 ms", "max ms"], engine.map((e) => [`${e.size} policies`, e.decisions, fixed(e.p50Ms, 3), fixed(e.p99Ms, 3), fixed(e.maxMs, 3)])),
      `goal: decision p99 for 1,000 policies < 1 ms -> ${engineMet ? "MET" : "NOT MET"} (${fixed(thousand?.p99Ms ?? NaN, 3)} ms)`,
      "",
      `change saved on A -> enforced on B (${FLIPS} changes): p50 ${fixed(flipP50, 0)} ms, max ${fixed(flipMax, 0)} ms`,
      `goal: < 1 s -> ${propagationMet ? "MET" : "NOT MET"} (max ${fixed(flipMax, 0)} ms)`,
    ].join("\n"),
  );
  const file = await ctx.writeResult("policy", {
    settings: ctx.settings,
    gateway: { summary, rpsRatio, p99Ratio, goal: { description: ">= 0.8x req/s, p99 <= 1.3x", met: gatewayMet }, runs },
    engine: { sizes: engine, goal: { description: "p99 < 1 ms for 1,000 policies", met: engineMet } },
    propagation: { flipsMs: flips, p50Ms: flipP50, maxMs: flipMax, goal: { description: "< 1 s", met: propagationMet } },
  });
  console.log(`results: ${file}`);
}
