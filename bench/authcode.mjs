// The authorization code flow's two token requests, measured against what the same agent
// pays for its own token, on the same Vigil in the same run:
// 1. POST /api/v1/token with grant_type=authorization_code (code, redirect_uri,
//    code_verifier; client_secret_basic): a single-use code for a delegated access token and
//    a refresh token, one transaction per redemption (audited as code.redeemed);
// 2. grant_type=refresh_token: each connection follows a chain of its own, always sending
//    the refresh token the previous answer carried (audited as refresh.rotated; presenting
//    a used one would revoke the family, so none may ever be reused);
// 3. grant_type=client_credentials (token.issued, group commit), the peer of both.
// Interleaved rounds; afterwards every 2xx must have its audit row and no reuse may show.
// What is set up out of band, and why, is in bench/lib/auth-codes.mjs and bench/README.md.
import { cpus } from "node:os";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { approveThroughDecision, CodePool, sha256 } from "./lib/auth-codes.mjs";
import { cpuPercent, cpuSnapshot, mainThread, pidsByName, processTree, schedPercent, schedSnapshot, waitForQuietMachine } from "./lib/cpu.mjs";
import { fixed, heading } from "./lib/format.mjs";
import { runLoad } from "./lib/load.mjs";
import { assertRs256Jwt, basicAuth, tokenRequest } from "./lib/oauth.mjs";
import { startPersonProvider } from "./lib/person-provider.mjs";
import { backendPids, createBenchDatabase } from "./lib/pg.mjs";
import { internalsTable, otherCpu, problemLines, runTable, summarize, summaryTable } from "./lib/side-by-side.mjs";
import { eventLoopLagMs, histogramDelta, scrape } from "./lib/prom.mjs";
import { adminToken, createAgentWithCredential, startVigil } from "./lib/vigil.mjs";

// The goals as the issue states them.
const GOAL_CODE =
  "authorization_code tokens/s against client_credentials tokens/s for the same agent in the same run (interleaved rounds) — goal ≥ 0.7x; every issued token audited";
const GOAL_REFRESH =
  "refresh_token tokens/s against client_credentials tokens/s for the same agent in the same run (interleaved rounds) — goal ≥ 0.7x; every issued token audited";

const SCOPE = "svc:read";
// The service every token is for (RFC 8707 resource); the agent is registered for it.
const SERVICE = "https://svc.bench.example";
const REDIRECT_URI = "http://127.0.0.1/bench/callback";
const PROVIDER_AUDIENCE = "vigil-bench";
const PERSON = { sub: "bench-person", email: "person@bench.example" };
// Durations the consent page offers (lib/identity/authorize/consent.ts CONSENT_DURATIONS).
const CONSENT_DURATIONS = [3600, 86_400, 7 * 86_400, 30 * 86_400, 90 * 86_400];
// Pool size for the first code run (the warm-up), before any rate has been seen; the
// pool's top-up covers a faster warm-up.
const FIRST_CODE_RATE = 1000;
// One client, one person, one IP: the token and API buckets raised (not disabled), as in
// the other sections. The API ones are for the consent decisions made during setup.
const VIGIL_ENV = {
  RATE_LIMIT_TOKEN_PER_IP: "1000000:1000000",
  RATE_LIMIT_TOKEN_PER_CLIENT: "1000000:1000000",
  RATE_LIMIT_API_PER_IP: "1000000:1000000",
  RATE_LIMIT_API_PER_SUBJECT: "1000000:1000000",
  TOKEN_MONTHLY_QUOTA: "0",
};
const CODE = "authorization_code";
const REFRESH = "refresh_token";
const CLIENT_CREDENTIALS = "client_credentials";
const SIDES = /** @type {const} */ ([CODE, REFRESH, CLIENT_CREDENTIALS]);

const OUT_OF_BAND = [
  `measured: POST /api/v1/token, client_secret_basic, scope ${SCOPE}, resource ${SERVICE}, one agent: ` +
    "authorization_code (code, redirect_uri, code_verifier) / refresh_token (each connection its own rotating chain) / client_credentials",
  "through the API, before measuring: the agent and its credential (admin), a person's consent via POST /api/v1/authorize/decision " +
    "with their provider token (one grant, extended by every approval), codes from it redeemed and verified, and one refresh chain per connection " +
    "started from a decision-made code (refresh runs use nothing else)",
  "out of band: the codes of the authorization_code runs are INSERTed into authorization_codes just before each run, copies of a row the " +
    "decision endpoint wrote (same client, agent, grant, person, scopes, resources, redirect_uri; own hash and S256 challenge; " +
    "expires_at = now() + 60 s), sized from the fastest code run so far; the consent itself is not measured",
];

/** @param {Record<string, string>} params */
const form = (params) => new URLSearchParams(params).toString();

/** @param {import("./run.mjs").SectionContext} ctx */
export async function authcodeBench(ctx) {
  const { seconds, rounds, warmupSeconds, connections, quietWaitSeconds } = ctx.settings;

  // ---- setup: anything failing here is a setup failure (non-zero exit) ----
  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  ctx.log(`database ${db.name}`);
  const provider = await startPersonProvider();
  ctx.defer("stop person provider", () => provider.close());
  // Up before Vigil: Vigil fetches discovery and the JWKS as it starts.
  const env = { ...VIGIL_ENV, OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: PROVIDER_AUDIENCE };
  const vigil = await startVigil({ root: ctx.root, databaseUrl: db.url, logDir: ctx.logDir, env });
  ctx.defer("stop Vigil", () => vigil.service.stop());
  ctx.log(`Vigil env: ${Object.entries(env).map(([k, v]) => `${k}=${process.env[`BENCH_VIGIL_${k}`] ?? v}`).join(" ")}`);
  ctx.log(`Vigil ${vigil.baseUrl} (log ${vigil.service.logFile}), person provider ${provider.issuer}`);
  for (const line of OUT_OF_BAND) ctx.log(line);

  /** Every 2xx answer, by audit kind and phase: compared with the audit log at the end. */
  const answers = {
    issued: { admin: 0, setup: 0, "warm-up": 0, rounds: 0 },
    redeemed: { setup: 0, "refresh chains": 0, "warm-up": 0, rounds: 0 },
    rotated: { setup: 0, "warm-up": 0, rounds: 0 },
    approved: { setup: 0, "refresh chains": 0 },
  };
  const admin = await adminToken(vigil);
  answers.issued.admin++;
  const cred = await createAgentWithCredential(vigil, admin, { name: "authcode-bench", scopes: [SCOPE], resources: [SERVICE], redirectUris: [REDIRECT_URI] });
  // Long enough for the whole section: the grant bounds the tokens' exp and the refresh tokens' life.
  const runsPlanned = SIDES.length * (1 + rounds);
  const needed = Math.ceil(runsPlanned * (quietWaitSeconds + Math.max(seconds, warmupSeconds) + 40) + 600);
  const duration = CONSENT_DURATIONS.find((d) => d >= needed) ?? 90 * 86_400;
  const personToken = await provider.token({
    sub: PERSON.sub,
    email: PERSON.email,
    aud: PROVIDER_AUDIENCE,
    scope: SCOPE,
    // OIDC_ROLE_MAP's default viewer=viewer: the role that holds delegations:write.
    roles: ["viewer"],
    exp: Math.floor(Date.now() / 1000) + duration + 600,
  });
  const person = `${provider.issuer}#${encodeURIComponent(PERSON.sub)}`;
  /** @param {"setup" | "refresh chains"} phase */
  const approve = async (phase) => {
    const got = await approveThroughDecision({ baseUrl: vigil.baseUrl, personToken, clientId: cred.clientId, redirectUri: REDIRECT_URI, scope: SCOPE, resource: SERVICE, durationSeconds: duration });
    answers.approved[phase]++;
    return got;
  };

  const tokenUrl = `${vigil.baseUrl}/api/v1/token`;
  const agentAuth = basicAuth(cred.clientId, cred.clientSecret);
  const ccBody = form({ grant_type: "client_credentials", scope: SCOPE, resource: SERVICE });
  /** @param {{ code: string, verifier: string }} c */
  const codeBody = (c) => form({ grant_type: "authorization_code", code: c.code, redirect_uri: REDIRECT_URI, code_verifier: c.verifier });
  /** @param {string} refreshToken */
  const refreshBody = (refreshToken) => form({ grant_type: "refresh_token", refresh_token: refreshToken });
  const kindOf = /** @type {const} */ ({ [CODE]: "redeemed", [REFRESH]: "rotated", [CLIENT_CREDENTIALS]: "issued" });

  /**
   * One token request outside the load runs, counted against the audit log.
   * @param {typeof SIDES[number]} side @param {string} body @param {"setup" | "refresh chains"} phase
   */
  const single = async (side, body, phase) => {
    const res = await tokenRequest(tokenUrl, agentAuth, body);
    if (res.status >= 200 && res.status < 300) /** @type {Record<string, number>} */ (answers[kindOf[side]])[phase]++;
    const token = res.json?.access_token;
    if (res.status !== 200 || typeof token !== "string") throw new Error(`${side} token request failed: HTTP ${res.status} ${res.text.slice(0, 500)}`);
    return { token, refreshToken: res.json?.refresh_token };
  };

  // The real consent path first: its code row is the template of every inserted one.
  const first = await approve("setup");
  const [template] = await db.sql`
    select code_hash, client_id, agent_id::text, grant_id::text, person_issuer, person_sub, scopes, resources, redirect_uri,
           extract(epoch from expires_at - created_at)::int as lifetime
    from authorization_codes where code_hash = ${sha256(first.code)}`;
  if (!template) throw new Error("the decision endpoint's code is not in authorization_codes");
  const grantId = /** @type {string} */ (template.grant_id);
  if (template.client_id !== cred.clientId || template.agent_id !== cred.agentId || template.person_sub !== PERSON.sub || template.redirect_uri !== REDIRECT_URI || template.lifetime !== 60) {
    throw new Error(`unexpected code row: ${JSON.stringify(template)}`);
  }
  const pool = new CodePool(db.sql, template.code_hash);
  ctx.log(`agent ${cred.agentId} (client ${cred.clientId}), person ${person}, grant ${grantId} (consent for ${duration} s)`);

  // Each must be what it claims before anything is measured: RS256 (2048-bit key) verified
  // against Vigil's JWKS, for the service; delegated ones name the person as sub and the
  // agent as actor, under the consent's grant, and come with a new refresh token.
  const jwksUrl = `${vigil.baseUrl}/.well-known/jwks.json`;
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  /** @param {string} label @param {string} token @param {boolean} delegated */
  const verify = async (label, token, delegated) => {
    await assertRs256Jwt(label, token, jwksUrl);
    const { payload } = await jwtVerify(token, jwks, { issuer: vigil.baseUrl, audience: SERVICE, algorithms: ["RS256"] });
    const act = /** @type {{ sub?: unknown } | undefined} */ (payload.act);
    const ok = delegated
      ? payload.sub === person && act?.sub === cred.agentId && Array.isArray(payload.delegation_ids) && payload.delegation_ids.includes(grantId)
      : payload.sub === cred.agentId && act === undefined;
    if (!ok || payload.scope !== SCOPE) throw new Error(`${label}: unexpected claims sub=${payload.sub} act=${JSON.stringify(payload.act)} scope=${payload.scope} delegation_ids=${JSON.stringify(payload.delegation_ids)}`);
    ctx.log(`${label}: verified RS256 JWT, sub ${payload.sub}${act ? `, act.sub ${act.sub}, delegation_ids ${JSON.stringify(payload.delegation_ids)}` : ""}, aud ${JSON.stringify(payload.aud)}`);
  };
  const fromDecision = await single(CODE, codeBody(first), "setup");
  await verify("authorization_code (code from the decision endpoint)", fromDecision.token, true);
  if (typeof fromDecision.refreshToken !== "string") throw new Error("authorization_code: no refresh_token in the answer");
  const rotated = await single(REFRESH, refreshBody(fromDecision.refreshToken), "setup");
  await verify("refresh_token", rotated.token, true);
  if (typeof rotated.refreshToken !== "string" || rotated.refreshToken === fromDecision.refreshToken) throw new Error("refresh_token: the answer carries no new refresh token");
  await pool.add(1);
  const inserted = pool.take();
  if (!inserted) throw new Error("code pool: the inserted code is not usable");
  await verify("authorization_code (code inserted out of band)", (await single(CODE, codeBody(inserted), "setup")).token, true);
  await verify("client_credentials", (await single(CLIENT_CREDENTIALS, ccBody, "setup")).token, false);

  // One refresh chain per connection, each from its own consent through the decision endpoint.
  /** @type {{ token: string, rotations: number, dead: string | null }[]} */
  let chains = [];
  const startChains = async () => {
    const live = chains.filter((c) => !c.dead);
    const started = connections - live.length;
    while (live.length < connections) {
      const { refreshToken } = await single(CODE, codeBody(await approve("refresh chains")), "refresh chains");
      if (typeof refreshToken !== "string") throw new Error("authorization_code: no refresh_token in the answer");
      live.push({ token: refreshToken, rotations: 0, dead: null });
    }
    chains = live;
    return started;
  };
  await startChains();
  ctx.log(`${connections} refresh chains started, each from a code the decision endpoint issued`);

  // ---- measurement: from here on, problems are reported, not fatal ----
  let vigilBackends = await backendPids(db.sql, db.name);
  const vigilPid = vigil.service.child.pid ?? -1;
  const groups = {
    vigil: () => processTree(vigilPid),
    "vigil main thread": () => mainThread(vigilPid),
    "postgres (bench db backends)": () => vigilBackends,
    "postgres (all)": () => pidsByName("postgres"),
  };
  const headers = { authorization: agentAuth, "content-type": "application/x-www-form-urlencoded" };
  let codeRate = 0;

  /** Each connection takes its next code when it hands in an answer; a dry pool ends it. */
  const codeConnections = () => {
    const stats = { dryConnections: 0 };
    const make = () => {
      let pending = pool.take();
      return {
        // A resend after a timeout takes a fresh code (the first may have been redeemed).
        // With the pool dry, a code no one issued: refused, and the run flagged.
        body: () => {
          const c = pending ?? pool.take();
          pending = null;
          return c ? codeBody(c) : codeBody({ code: "vgac_bench-pool-dry", verifier: "x".repeat(43) });
        },
        answer: () => {
          pending = pool.take();
          if (!pending) stats.dryConnections++;
          return pending !== null;
        },
      };
    };
    return { make, stats };
  };

  /** Each connection continues one chain; a chain that cannot continue ends its connection. */
  const chainConnections = () => {
    let next = 0;
    const stats = { died: 0 };
    const make = () => {
      const chain = chains[next++];
      if (!chain) throw new Error("more connections than refresh chains");
      return {
        body: (/** @type {boolean} */ resend) => {
          if (!resend) return refreshBody(chain.token);
          // Sent again after a timeout: the first may have rotated it, and sending it twice
          // would be reuse. The chain is given up; this request is refused as unknown.
          chain.dead = "resent after a timeout or connection error";
          return refreshBody("vgr_bench-chain-given-up");
        },
        answer: (/** @type {number} */ status, /** @type {string} */ text) => {
          let token;
          try {
            token = status >= 200 && status < 300 ? JSON.parse(text).refresh_token : undefined;
          } catch {
            token = undefined;
          }
          if (chain.dead || typeof token !== "string") {
            chain.dead ??= `HTTP ${status}`;
            stats.died++;
            return false;
          }
          chain.token = token;
          chain.rotations++;
          return true;
        },
      };
    };
    return { make, stats };
  };

  /** @param {typeof SIDES[number]} side @param {string} phase @param {number} secs */
  const measure = async (side, phase, secs) => {
    // Start in a lull if one comes within BENCH_QUIET_WAIT_SECONDS; record how busy it was otherwise.
    const quiet = await waitForQuietMachine({ thresholdPercent: 30, maxWaitMs: quietWaitSeconds * 1000 });
    if (quiet.busyPercent > 30) ctx.log(`machine still ${quiet.busyPercent} % busy after ${quiet.waitedMs / 1000} s, running anyway`);
    // Before the CPU snapshot: the pool's insert and new chains are not part of the run.
    /** @type {Record<string, unknown>} */
    const setUp = {};
    let perConnection;
    let stopWatch = async () => /** @type {{ atSeconds: number, codes: number, ms: number }[]} */ ([]);
    let connStats = {};
    const takenBefore = pool.taken;
    if (side === CODE) {
      pool.drain();
      const rate = codeRate || FIRST_CODE_RATE;
      Object.assign(setUp, { poolRate: rate, pool: await pool.fillFor(rate, secs, connections) });
      const c = codeConnections();
      perConnection = c.make;
      connStats = c.stats;
      stopWatch = pool.watch({ floorRate: rate, seconds: secs, connections });
    } else if (side === REFRESH) {
      setUp.chainsRestarted = await startChains();
      const c = chainConnections();
      perConnection = c.make;
      connStats = c.stats;
    }
    const metricsBefore = await scrape(vigil.baseUrl);
    const schedBefore = schedSnapshot(mainThread(vigilPid)[0]);
    const before = cpuSnapshot(groups);
    const body = side === CLIENT_CREDENTIALS ? ccBody : undefined;
    const result = await runLoad({ label: `${side} ${phase}`, url: tokenUrl, method: "POST", body, headers, seconds: secs, connections, perConnection });
    const cpu = cpuPercent(before, cpuSnapshot(groups));
    const mainThreadSched = schedPercent(schedBefore, schedSnapshot(mainThread(vigilPid)[0]));
    const topUps = await stopWatch();
    vigilBackends = [...new Set([...vigilBackends, ...(await backendPids(db.sql, db.name).catch(() => []))])];
    if (vigil.service.exited()) throw new Error(`Vigil exited during ${side} ${phase} (${vigil.service.exitInfo()}); log ${vigil.service.logFile}:\n${vigil.service.tail()}`);
    const after = await scrape(vigil.baseUrl);
    const internals = {
      db: histogramDelta(metricsBefore, after, "vigil_db_query_duration_seconds"),
      http: histogramDelta(metricsBefore, after, "vigil_http_request_duration_seconds"),
      eventLoopLagMs: eventLoopLagMs(after),
    };
    answers[kindOf[side]][phase === "warm-up" ? "warm-up" : "rounds"] += result.ok2xx;
    if (side === CODE) {
      codeRate = Math.max(codeRate, result.rps);
      Object.assign(setUp, { topUps, codesHandedOut: pool.taken - takenBefore });
    }
    const shortfall = side === CODE && "dryConnections" in connStats && Number(connStats.dryConnections) > 0;
    const flag = result.clean && !shortfall ? "" : `  <-- FLAGGED: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts${shortfall ? ", code pool ran dry" : ""}`;
    ctx.log(`${result.label}: ${fixed(result.rps)}/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms${flag}`);
    return {
      ...result,
      clean: result.clean && !shortfall,
      side,
      phase,
      setUp: { ...setUp, ...connStats },
      machineBeforeRun: quiet,
      cpuPercentOfOneCore: cpu,
      mainThreadSched,
      vigilInternals: internals,
    };
  };

  const warmups = [];
  const runs = [];
  for (const side of SIDES) warmups.push(await measure(side, "warm-up", warmupSeconds));
  // Interleaved so that drift on a shared machine (thermal, neighbours) hits every side alike.
  for (let r = 1; r <= rounds; r++) for (const side of SIDES) runs.push(await measure(side, `round ${r}`, seconds));

  // Commits precede responses, so every token a client saw is already in the table.
  const rows = await db.sql`
    select kind, outcome, count(*)::int as count from audit_events
    where kind in ('code.redeemed', 'refresh.rotated', 'refresh.reuse_detected', 'token.issued', 'consent.granted')
    group by kind, outcome`;
  const rowsOf = (/** @type {string} */ kind, /** @type {string | null} */ outcome = "success") =>
    rows.filter((r) => r.kind === kind && (outcome === null || r.outcome === outcome)).reduce((n, r) => n + Number(r.count), 0);
  const sum = (/** @type {Record<string, number>} */ o) => Object.values(o).reduce((a, b) => a + b, 0);
  const check = (/** @type {string} */ kind, /** @type {Record<string, number>} */ breakdown) => ({ kind, rows: rowsOf(kind), answers2xx: sum(breakdown), breakdown });
  const audit = {
    redeemed: check("code.redeemed", answers.redeemed),
    rotated: check("refresh.rotated", answers.rotated),
    issued: check("token.issued", answers.issued),
    consent: check("consent.granted", answers.approved),
    refusedRows: { "code.redeemed": rowsOf("code.redeemed", "denied"), "refresh.rotated": rowsOf("refresh.rotated", "denied") },
    reuseDetectedRows: rowsOf("refresh.reuse_detected", null),
  };
  const matches = (/** @type {{ rows: number, answers2xx: number }} */ a) => a.rows === a.answers2xx;

  // ---- report ----
  const codeSummary = summarize(runs, CODE, CLIENT_CREDENTIALS);
  const refreshSummary = summarize(runs, REFRESH, CLIENT_CREDENTIALS);
  const codeAudited = matches(audit.redeemed) && matches(audit.issued);
  const refreshAudited = matches(audit.rotated) && matches(audit.issued) && audit.reuseDetectedRows === 0;
  const codeMet = codeSummary.ratio.perSecond >= 0.7 && codeSummary.clean && codeAudited;
  const refreshMet = refreshSummary.ratio.perSecond >= 0.7 && refreshSummary.clean && refreshAudited;
  const all = [...warmups, ...runs];

  const out = [];
  out.push(heading(`Authorization code flow: POST /api/v1/token, same agent, ${connections} connections, ${seconds} s x ${rounds} rounds`));
  out.push(...OUT_OF_BAND.map((l) => `- ${l}`), "");
  out.push(runTable("tokens/s", all));
  out.push(internalsTable(runs, [...SIDES], "token"));
  out.push("", summaryTable("tokens/s", codeSummary, CODE, CLIENT_CREDENTIALS));
  out.push("", summaryTable("tokens/s", refreshSummary, REFRESH, CLIENT_CREDENTIALS));
  out.push(
    "",
    `(CPU columns: % of one core over the run; this machine has ${cpus().length} cores = ${cpus().length * 100} %. ` +
      "main thr run/wait: Vigil's event-loop thread on a CPU / runnable but waiting for one. Warm-ups are not in the means.)",
  );
  for (const r of all.filter((x) => x.side === CODE)) {
    const s = /** @type {{ poolRate: number, pool: { codes: number, ms: number }, topUps: { atSeconds: number, codes: number }[], codesHandedOut: number }} */ (r.setUp);
    out.push(
      `code pool ${r.label}: ${s.pool.codes} codes inserted in ${s.pool.ms} ms before the run (sized for ${fixed(s.poolRate)}/s), ${s.codesHandedOut} handed out` +
        (s.topUps.length ? `, topped up during the run: ${s.topUps.map((t) => `${t.codes} at ${t.atSeconds} s`).join(", ")}` : ", no top-up"),
    );
  }
  const restarted = all.filter((r) => r.side === REFRESH).map((r) => Number(r.setUp.chainsRestarted ?? 0));
  out.push(`refresh chains: ${connections} (one per connection), restarted before a run: ${restarted.reduce((a, b) => a + b, 0)}; longest chain ${Math.max(...chains.map((c) => c.rotations))} rotations`);
  const noisy = runs.filter((r) => otherCpu(r) > 25);
  if (noisy.length) out.push(`!! other processes used > 25 % of a core during ${noisy.map((r) => r.label).join(", ")}: numbers are disturbed, re-run on a quiet machine`);
  out.push(...problemLines(all, (r) => JSON.stringify(r.setUp)));
  const auditLine = (/** @type {ReturnType<typeof check>} */ a, /** @type {string} */ what) =>
    `audit: ${a.kind} ${what} = ${a.rows}, 2xx answers = ${a.answers2xx} (${Object.entries(a.breakdown).map(([k, v]) => `${k} ${v}`).join(" + ")}) -> ` +
    (matches(a) ? "MATCH" : `MISMATCH (difference ${a.rows - a.answers2xx})`);
  out.push(auditLine(audit.redeemed, "success rows"), auditLine(audit.rotated, "success rows"), auditLine(audit.issued, "rows"));
  out.push(auditLine(audit.consent, "rows").replace("2xx answers", "approvals through the decision endpoint"));
  out.push(`audit: refused rows: code.redeemed ${audit.refusedRows["code.redeemed"]}, refresh.rotated ${audit.refusedRows["refresh.rotated"]}`);
  out.push(`audit: refresh.reuse_detected rows = ${audit.reuseDetectedRows} -> ${audit.reuseDetectedRows === 0 ? "no reuse" : "REUSE DETECTED"}`);
  const why = (/** @type {ReturnType<typeof summarize>} */ s, /** @type {boolean} */ audited) =>
    `(${fixed(s.ratio.perSecond, 2)}x, audit ${audited ? "MATCH" : "MISMATCH"}${s.clean ? "" : ", runs were not clean"})`;
  out.push(`goal: "${GOAL_CODE}" -> ${codeMet ? "MET" : "NOT MET"} ${why(codeSummary, codeAudited)}`);
  out.push(`goal: "${GOAL_REFRESH}" -> ${refreshMet ? "MET" : "NOT MET"} ${why(refreshSummary, refreshAudited)}`);
  console.log(out.join("\n"));

  pool.drain();
  const file = await ctx.writeResult("authcode", {
    settings: ctx.settings,
    node: process.version,
    vigil: { baseUrl: vigil.baseUrl, database: db.name, env, service: SERVICE, redirectUri: REDIRECT_URI, agentId: cred.agentId, grantId, person, consentSeconds: duration },
    measuredAndOutOfBand: OUT_OF_BAND,
    authorizationCode: codeSummary,
    refreshToken: refreshSummary,
    goals: [
      { description: GOAL_CODE, ratio: codeSummary.ratio.perSecond, met: codeMet },
      { description: GOAL_REFRESH, ratio: refreshSummary.ratio.perSecond, met: refreshMet },
    ],
    audit,
    codePool: { inserted: pool.inserted, handedOut: pool.taken, leftUnused: pool.discarded },
    refreshChains: chains.map((c) => ({ rotations: c.rotations, dead: c.dead })),
    warmups,
    runs,
  });
  console.log(`results: ${file}`);
}
