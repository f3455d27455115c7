// Introspection (RFC 7662): Vigil's POST /api/v1/introspect on its own RS256 JWT access
// tokens against node-oidc-provider's /token/introspection on its opaque ones (it cannot
// introspect JWTs at all), each asked by the client the token was issued to, with
// client_secret_basic, under the same load in interleaved rounds. Issue 18: Vigil >= 1.0x
// oidc-provider's req/s. A third side introspects a token Vigil has revoked (the answer is
// {active:false}: the same path up to the revocation check). Vigil audits every
// introspection (token.introspected, with whether the token was active; written by the
// batcher after the answer), so the section checks afterwards that the audit log holds one
// row per answer.
import { cpus } from "node:os";
import { fixed, heading } from "./lib/format.mjs";
import { vigilRuns } from "./lib/measure.mjs";
import { basicAuth, tokenRequest } from "./lib/oauth.mjs";
import { startOidcProvider } from "./lib/oidc-provider.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { internalsTable, otherCpu, problemLines, runTable, summarize, summaryTable } from "./lib/side-by-side.mjs";
import { adminToken, createAgentWithCredential, startVigil } from "./lib/vigil.mjs";

const SCOPE = "svc:read";
const PEER_AUDIENCE = "urn:bench:api";
// The introspection route is limited per IP in the token class (no per-client bucket); one
// IP would otherwise test the limiter. Raised rather than disabled, so its cost stays in.
const VIGIL_ENV = { RATE_LIMIT_TOKEN_PER_IP: "1000000:1000000" };
const VIGIL = "Vigil";
const PEER = "oidc-provider";
const REVOKED = "Vigil, revoked token";
const GOAL_RATIO = 1.0;
const GOAL = `Vigil >= ${GOAL_RATIO.toFixed(1)}x oidc-provider's opaque-token introspection req/s`;

/** @param {import("./run.mjs").SectionContext} ctx */
export async function introspectBench(ctx) {
  const { seconds, rounds, warmupSeconds, connections, quietWaitSeconds } = ctx.settings;

  // ---- setup: anything failing here is a setup failure (non-zero exit) ----
  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  ctx.log(`database ${db.name}`);

  const peer = await startOidcProvider(ctx, { ACCESS_TOKEN_FORMAT: "opaque", INTROSPECTION: "true" });

  // Vigil starts after the peer is spawned so the two start-ups overlap.
  const vigilPromise = startVigil({ root: ctx.root, databaseUrl: db.url, logDir: ctx.logDir, env: VIGIL_ENV });
  // Registered now, not after the await: if the peer fails first, Vigil must still be stopped.
  ctx.defer("stop Vigil", async () => (await vigilPromise.catch(() => null))?.service.stop());
  await peer.ready();
  const vigil = await vigilPromise;
  ctx.log(`Vigil env overrides: ${Object.entries(VIGIL_ENV).map(([k, v]) => `${k}=${process.env[`BENCH_VIGIL_${k}`] ?? v}`).join(" ")}`);
  ctx.log(`Vigil ${vigil.baseUrl} (log ${vigil.service.logFile}), oidc-provider ${peer.url} (log ${peer.service.logFile})`);

  const admin = await adminToken(vigil);
  const cred = await createAgentWithCredential(vigil, admin, { name: "introspect-bench", scopes: [SCOPE] });
  ctx.log(`agent ${cred.agentId}, client_id ${cred.clientId}`);
  const vigilAuth = basicAuth(cred.clientId, cred.clientSecret);
  const mintForm = `grant_type=client_credentials&scope=${SCOPE}`;

  /**
   * Per side: where its tokens come from, where they are introspected, and what is wrong
   * with an answer (null: nothing). The peer's client_credentials token has no subject
   * but the client; Vigil's names the agent. audited: the audit rows Vigil's answers make.
   * @type {Record<string, { mint: string, introspect: string, auth: string, revoke?: boolean, audited?: "active" | "inactive", problem: (a: Record<string, unknown>) => string | null }>}
   */
  const sides = {
    [VIGIL]: {
      mint: `${vigil.baseUrl}/api/v1/token`,
      introspect: `${vigil.baseUrl}/api/v1/introspect`,
      auth: vigilAuth,
      audited: "active",
      problem: (a) =>
        a.active === true && a.client_id === cred.clientId && a.scope === SCOPE && a.sub === cred.agentId && a.iss === vigil.baseUrl && a.token_type === "Bearer"
          ? null
          : "expected active:true, client_id and sub the bench agent's, scope svc:read, Vigil as iss, token_type Bearer",
    },
    [PEER]: {
      mint: `${peer.url}/token`,
      introspect: `${peer.url}/token/introspection`,
      auth: peer.auth,
      problem: (a) =>
        a.active === true && a.client_id === peer.clientId && a.scope === SCOPE && a.sub === undefined && a.aud === PEER_AUDIENCE && a.iss === peer.url
          ? null
          : `expected active:true, client_id ${peer.clientId}, scope svc:read, no sub, aud ${PEER_AUDIENCE}, the peer as iss`,
    },
    [REVOKED]: {
      mint: `${vigil.baseUrl}/api/v1/token`,
      introspect: `${vigil.baseUrl}/api/v1/introspect`,
      auth: vigilAuth,
      revoke: true,
      audited: "inactive",
      // RFC 7662 §2.2: an inactive token gets nothing but active:false.
      problem: (a) => (Object.keys(a).length === 1 && a.active === false ? null : "expected exactly {active:false}"),
    },
  };

  /** Vigil's 2xx introspection answers, by whether the token was active: compared with the audit log. */
  const answered = { active: { checks: 0, "warm-up": 0, rounds: 0 }, inactive: { checks: 0, "warm-up": 0, rounds: 0 } };

  /**
   * A fresh token for one run of `name` (so no run outlives one: both sides' tokens live
   * 600 s), revoked first for the revoked side, and its introspection checked before the
   * run. Every 2xx body of the run must pass the same check.
   * @param {string} name @returns {Promise<import("./lib/measure.mjs").LoadRequest>}
   */
  const requestFor = async (name) => {
    const side = sides[name];
    const minted = await tokenRequest(side.mint, side.auth, mintForm);
    const token = minted.json?.access_token;
    if (minted.status !== 200 || typeof token !== "string") throw new Error(`${name}: token request failed: HTTP ${minted.status} ${minted.text.slice(0, 300)}`);
    if (side.revoke) {
      const revoked = await tokenRequest(`${vigil.baseUrl}/api/v1/revoke`, side.auth, new URLSearchParams({ token }).toString());
      if (revoked.status !== 200) throw new Error(`${name}: revocation failed: HTTP ${revoked.status} ${revoked.text.slice(0, 300)}`);
    }
    const body = new URLSearchParams({ token }).toString();
    const check = await tokenRequest(side.introspect, side.auth, body);
    if (check.status === 200 && side.audited) answered[side.audited].checks++;
    const problem = check.status !== 200 || !check.json ? `HTTP ${check.status}` : side.problem(check.json);
    if (problem) throw new Error(`${name}: introspection answer refused (${problem}): ${check.text.slice(0, 500)}`);
    return {
      url: side.introspect,
      method: "POST",
      body,
      headers: { authorization: side.auth, "content-type": "application/x-www-form-urlencoded" },
      expectBody: (text) => {
        try {
          return side.problem(JSON.parse(text)) === null;
        } catch {
          return false;
        }
      },
    };
  };
  for (const name of Object.keys(sides)) {
    await requestFor(name);
    ctx.log(`${name}: introspection checked (${name === REVOKED ? "active:false" : "active:true, client_id, scope, sub"})`);
  }

  // ---- measurement: from here on, problems are reported, not fatal ----
  const { interleaved } = vigilRuns(ctx, vigil, db, { connections, quietWaitSeconds }, { name: PEER, service: peer.service });
  const { warmups, runs } = await interleaved([VIGIL, PEER, REVOKED], requestFor, { seconds, warmupSeconds, rounds });
  for (const r of [...warmups, ...runs]) {
    const audited = sides[r.side].audited;
    if (audited) answered[audited][r.phase === "warm-up" ? "warm-up" : "rounds"] += r.ok2xx;
  }

  // Vigil answers first and the batcher commits the event within milliseconds: read until
  // the rows stop growing (a 10 s bound), then compare.
  const sum = (/** @type {Record<string, number>} */ o) => Object.values(o).reduce((a, b) => a + b, 0);
  const countRows = () => db.sql`select metadata->>'active' as active, count(*)::int as count from audit_events where kind = 'token.introspected' group by 1`;
  const total = (/** @type {{ count: number }[]} */ r) => r.reduce((a, x) => a + Number(x.count), 0);
  let rows = await countRows();
  for (const deadline = Date.now() + 10_000; total(rows) < sum(answered.active) + sum(answered.inactive) && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    rows = await countRows();
  }
  const rowsOf = (/** @type {string} */ active) => Number(rows.find((r) => r.active === active)?.count ?? 0);
  const audit = {
    active: { rows: rowsOf("true"), answers2xx: sum(answered.active), breakdown: answered.active },
    inactive: { rows: rowsOf("false"), answers2xx: sum(answered.inactive), breakdown: answered.inactive },
    match: false,
  };
  audit.match = audit.active.rows === audit.active.answers2xx && audit.inactive.rows === audit.inactive.answers2xx;

  // ---- report ----
  const summary = summarize(runs, VIGIL, PEER);
  const revokedSummary = summarize(runs, REVOKED, PEER);
  const goalMet = summary.ratio.perSecond >= GOAL_RATIO && summary.clean && audit.match;

  const out = [];
  out.push(heading(`Introspection: RFC 7662, Vigil's JWT access tokens vs oidc-provider's opaque ones, ${connections} connections, ${seconds} s x ${rounds} rounds`));
  out.push(runTable("req/s", [...warmups, ...runs]));
  out.push(
    `(CPU columns: % of one core over the run; this machine has ${cpus().length} cores = ${cpus().length * 100} %. CPU% server: Vigil's process on Vigil's runs, oidc-provider's on its own. ` +
      "main thr run/wait: the server's event-loop thread on a CPU / runnable but waiting for one. Warm-ups are not in the means.)",
  );
  const noisy = runs.filter((r) => otherCpu(r) > 25);
  if (noisy.length) out.push(`!! other processes used > 25 % of a core during ${noisy.map((r) => r.label).join(", ")}: numbers are disturbed, re-run on a quiet machine`);
  out.push(internalsTable(runs, [VIGIL, REVOKED], "introspection"));
  out.push("", summaryTable("req/s", summary, VIGIL, PEER));
  out.push("", summaryTable("req/s", revokedSummary, REVOKED, PEER));
  out.push("");
  out.push(...problemLines([...warmups, ...runs]));
  const auditLine = (/** @type {string} */ which, /** @type {{ rows: number, answers2xx: number, breakdown: Record<string, number> }} */ a) =>
    `audit: token.introspected rows with active ${which} = ${a.rows}, 2xx answers = ${a.answers2xx} (${Object.entries(a.breakdown).map(([k, v]) => `${k} ${v}`).join(" + ")}) -> ` +
    (a.rows === a.answers2xx ? "MATCH" : `MISMATCH (difference ${a.rows - a.answers2xx})`);
  out.push(auditLine("true", audit.active), auditLine("false", audit.inactive));
  out.push(
    `goal: ${GOAL} -> ${goalMet ? "MET" : "NOT MET"} (req/s ${fixed(summary.ratio.perSecond, 2)}x, p50 ${fixed(summary.ratio.p50, 2)}x, p99 ${fixed(summary.ratio.p99, 2)}x` +
      `${summary.clean ? "" : ", runs were not clean"}${audit.match ? "" : ", audit MISMATCH"})`,
  );
  console.log(out.join("\n"));

  const file = await ctx.writeResult("introspect", {
    settings: ctx.settings,
    node: process.version,
    vigil: { baseUrl: vigil.baseUrl, database: db.name, envOverrides: VIGIL_ENV, agentId: cred.agentId },
    summary,
    revokedSummary,
    goal: { description: GOAL, ratio: summary.ratio.perSecond, met: goalMet },
    audit,
    warmups,
    runs,
  });
  console.log(`results: ${file}`);
}
