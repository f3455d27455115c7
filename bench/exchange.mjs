// Token exchange (RFC 8693): what acting for a person costs an agent, measured against what
// the same agent pays for its own token, on the same Vigil in the same run.
// 1. POST /api/v1/token with grant_type=token-exchange (a person's access token from the
//    organisation's provider as subject_token, under a delegation grant) against
//    client_credentials: same agent, same credential, same scope and resource, same load,
//    interleaved rounds. Afterwards every 2xx must have its audit row (token.exchanged,
//    token.issued).
// 2. GET /api/auth/validate with the delegated token against the plain token, both for the
//    same service audience (VALIDATOR_AUDIENCES): the validator bench's shape.
// The provider is bench/lib/person-provider.mjs (discovery + JWKS on 127.0.0.1, tokens
// signed in the bench): peers/oidc-provider.mjs only issues client_credentials tokens
// (sub = a client), and a person's token from it would need a browser sign-in.
import { cpus } from "node:os";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { fixed, heading } from "./lib/format.mjs";
import { vigilRuns } from "./lib/measure.mjs";
import { assertRs256Jwt, basicAuth, tokenRequest } from "./lib/oauth.mjs";
import { startPersonProvider } from "./lib/person-provider.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { internalsTable, otherCpu, problemLines, runTable, summarize, summaryTable } from "./lib/side-by-side.mjs";
import { adminCall, adminToken, createAgentWithCredential, startVigil } from "./lib/vigil.mjs";

// The goals as the issue states them.
const GOAL_EXCHANGE =
  "token-exchange tokens/s against client_credentials tokens/s in the same run (same Vigil, same agent, same load shape; interleaved rounds) — goal ≥ 0.8x; every issued token audited";
const GOAL_VALIDATOR = "validator throughput on delegated tokens against plain tokens (goal ≥ 0.9x)";

const SCOPE = "svc:read";
// The service behind the gateway that both tokens are for; the agent is registered for it.
const SERVICE = "https://svc.bench.example";
// What the provider's tokens for Vigil carry as aud (OIDC_AUDIENCE).
const PROVIDER_AUDIENCE = "vigil-bench";
const PERSON = { sub: "bench-person", email: "person@bench.example" };
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
// As bench/token.mjs and bench/validator.mjs: one client, one person, one IP, so the per-IP,
// per-client and per-subject buckets are raised (not disabled: the limiter's cost stays in).
// No monthly quota: TOKEN_MONTHLY_QUOTA=0 is the default, stated here so that it is printed.
const VIGIL_ENV = {
  RATE_LIMIT_TOKEN_PER_IP: "1000000:1000000",
  RATE_LIMIT_TOKEN_PER_CLIENT: "1000000:1000000",
  RATE_LIMIT_VALIDATE_PER_IP: "1000000:1000000",
  RATE_LIMIT_VALIDATE_PER_SUBJECT: "1000000:1000000",
  TOKEN_MONTHLY_QUOTA: "0",
};
const EXCHANGE = "token exchange";
const CLIENT_CREDENTIALS = "client_credentials";
const DELEGATED = "validate delegated";
const PLAIN = "validate plain";
/** Which audit kind each side's 2xx answers must match. */
const KIND = /** @type {const} */ ({ [EXCHANGE]: "exchanged", [CLIENT_CREDENTIALS]: "issued", [DELEGATED]: "exchanged", [PLAIN]: "issued" });

/** @param {Record<string, string>} params */
const form = (params) => new URLSearchParams(params).toString();

/** @param {import("./run.mjs").SectionContext} ctx */
export async function exchangeBench(ctx) {
  const { seconds, rounds, warmupSeconds, connections, quietWaitSeconds } = ctx.settings;

  // ---- setup: anything failing here is a setup failure (non-zero exit) ----
  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  ctx.log(`database ${db.name}`);
  const provider = await startPersonProvider();
  ctx.defer("stop person provider", () => provider.close());
  // Up before Vigil: Vigil fetches discovery and the JWKS as it starts.
  const env = { ...VIGIL_ENV, OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: PROVIDER_AUDIENCE, VALIDATOR_AUDIENCES: SERVICE };
  const vigil = await startVigil({ root: ctx.root, databaseUrl: db.url, logDir: ctx.logDir, env });
  ctx.defer("stop Vigil", () => vigil.service.stop());
  ctx.log(`Vigil env: ${Object.entries(env).map(([k, v]) => `${k}=${process.env[`BENCH_VIGIL_${k}`] ?? v}`).join(" ")}`);
  ctx.log(`Vigil ${vigil.baseUrl} (log ${vigil.service.logFile}), person provider ${provider.issuer}`);

  /** Every 2xx token answer, by audit kind and phase: compared with the audit log at the end. */
  const answers = {
    issued: { admin: 0, setup: 0, "warm-up": 0, rounds: 0, "for validator runs": 0 },
    exchanged: { setup: 0, "warm-up": 0, rounds: 0, "for validator runs": 0 },
  };
  const admin = await adminToken(vigil);
  answers.issued.admin++;
  const cred = await createAgentWithCredential(vigil, admin, { name: "exchange-bench", scopes: [SCOPE], resources: [SERVICE] });
  // Long enough for the whole section (both lifetimes bound the exchanged tokens' exp).
  const runsPlanned = 4 * (1 + rounds);
  const lifetime = Math.min(90 * 86_400, Math.max(3600, Math.ceil(runsPlanned * (quietWaitSeconds + Math.max(seconds, warmupSeconds) + 40) + 600)));
  const grant = await adminCall(vigil, admin, "POST", "/api/v1/delegations", {
    agent_id: cred.agentId,
    scopes: [SCOPE],
    expires_in: lifetime,
    person: { issuer: provider.issuer, sub: PERSON.sub, label: PERSON.email },
  });
  const personToken = await provider.token({
    sub: PERSON.sub,
    email: PERSON.email,
    aud: PROVIDER_AUDIENCE,
    scope: SCOPE,
    exp: Math.floor(Date.now() / 1000) + lifetime,
  });
  ctx.log(`agent ${cred.agentId} (client ${cred.clientId}), person ${grant.person.id}, grant ${grant.id}`);

  const tokenUrl = `${vigil.baseUrl}/api/v1/token`;
  const agentAuth = basicAuth(cred.clientId, cred.clientSecret);
  // The same scope and resource on both sides: only the grant differs.
  const bodies = {
    [EXCHANGE]: form({ grant_type: TOKEN_EXCHANGE, subject_token: personToken, subject_token_type: ACCESS_TOKEN_TYPE, scope: SCOPE, resource: SERVICE }),
    [CLIENT_CREDENTIALS]: form({ grant_type: "client_credentials", scope: SCOPE, resource: SERVICE }),
  };

  /**
   * One token from the agent, counted against the audit log.
   * @param {typeof EXCHANGE | typeof CLIENT_CREDENTIALS} side
   * @param {"setup" | "for validator runs"} phase setup: the checks before measuring
   */
  const mint = async (side, phase) => {
    const res = await tokenRequest(tokenUrl, agentAuth, bodies[side]);
    if (res.status >= 200 && res.status < 300) answers[KIND[side]][phase]++;
    const token = res.json?.access_token;
    if (res.status !== 200 || typeof token !== "string") throw new Error(`${side} token request failed: HTTP ${res.status} ${res.text.slice(0, 500)}`);
    return { token, expiresIn: Number(res.json?.expires_in), response: res.json };
  };

  // Both must be what they claim before anything is measured: RS256 (2048-bit key) verified
  // against Vigil's JWKS, for the service, and the exchanged one naming the person as sub
  // and the agent as the actor.
  const jwksUrl = `${vigil.baseUrl}/.well-known/jwks.json`;
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const expected = {
    [EXCHANGE]: { sub: grant.person.id, act: cred.agentId },
    [CLIENT_CREDENTIALS]: { sub: cred.agentId, act: undefined },
  };
  for (const side of /** @type {const} */ ([EXCHANGE, CLIENT_CREDENTIALS])) {
    const { token, response } = await mint(side, "setup");
    await assertRs256Jwt(side, token, jwksUrl);
    const { payload } = await jwtVerify(token, jwks, { issuer: vigil.baseUrl, audience: SERVICE, algorithms: ["RS256"] });
    const act = /** @type {{ sub?: unknown } | undefined} */ (payload.act);
    if (payload.sub !== expected[side].sub || act?.sub !== expected[side].act || payload.scope !== SCOPE) {
      throw new Error(`${side}: unexpected claims sub=${payload.sub} act=${JSON.stringify(payload.act)} scope=${payload.scope}`);
    }
    if (side === EXCHANGE && (response?.issued_token_type !== ACCESS_TOKEN_TYPE || !(Array.isArray(payload.delegation_ids) && payload.delegation_ids.includes(grant.id)))) {
      throw new Error(`${side}: issued_token_type ${response?.issued_token_type}, delegation_ids ${JSON.stringify(payload.delegation_ids)}`);
    }
    ctx.log(`${side}: verified RS256 JWT, sub ${payload.sub}${act ? `, act.sub ${act.sub}` : ""}, aud ${JSON.stringify(payload.aud)}, scope "${payload.scope}"`);
  }

  // The gateway must accept both for the service and say who is who.
  const validateUrl = `${vigil.baseUrl}/api/auth/validate`;
  for (const side of /** @type {const} */ ([EXCHANGE, CLIENT_CREDENTIALS])) {
    const { token } = await mint(side, "setup");
    const res = await fetch(validateUrl, { headers: { authorization: `Bearer ${token}` } });
    const h = (/** @type {string} */ name) => res.headers.get(name);
    const ok =
      res.status === 200 &&
      h("x-user-id") === expected[side].sub &&
      (side === EXCHANGE ? h("x-actor-chain") === cred.agentId && h("x-delegation-id") === grant.id : h("x-actor-chain") === null);
    if (!ok) {
      throw new Error(`validator refused or misread the ${side} token: ${res.status} x-user-id=${h("x-user-id")} x-actor-chain=${h("x-actor-chain")} x-delegation-id=${h("x-delegation-id")}`);
    }
    ctx.log(`validator: ${side} token accepted, X-User-Id ${h("x-user-id")}${h("x-actor-chain") ? `, X-Actor-Chain ${h("x-actor-chain")}, X-Delegation-Id ${h("x-delegation-id")}` : ""}`);
  }

  // ---- measurement: from here on, problems are reported, not fatal ----
  /** @param {string} side @param {number} secs @returns {Promise<import("./lib/measure.mjs").LoadRequest>} */
  const requestFor = async (side, secs) => {
    if (side === EXCHANGE || side === CLIENT_CREDENTIALS) {
      return { url: tokenUrl, method: "POST", body: bodies[side], headers: { authorization: agentAuth, "content-type": "application/x-www-form-urlencoded" } };
    }
    // A fresh token per validator run, so a long run never outlives it (TOKEN_TTL_SECONDS).
    const { token, expiresIn } = await mint(side === DELEGATED ? EXCHANGE : CLIENT_CREDENTIALS, "for validator runs");
    if (expiresIn < secs + 30) ctx.log(`!! ${side}: token lives ${expiresIn} s, the run ${secs} s: expect 401s (raise BENCH_VIGIL_TOKEN_TTL_SECONDS)`);
    return { url: validateUrl, method: "GET", headers: { authorization: `Bearer ${token}` } };
  };
  const { interleaved } = vigilRuns(ctx, vigil, db, { connections, quietWaitSeconds });
  const plan = { seconds, warmupSeconds, rounds };
  const tokenPart = await interleaved([EXCHANGE, CLIENT_CREDENTIALS], requestFor, plan);
  const validatorPart = await interleaved([DELEGATED, PLAIN], requestFor, plan);
  for (const r of [...tokenPart.warmups, ...tokenPart.runs]) {
    answers[KIND[/** @type {typeof EXCHANGE | typeof CLIENT_CREDENTIALS} */ (r.side)]][r.phase === "warm-up" ? "warm-up" : "rounds"] += r.ok2xx;
  }

  // Commits precede responses, so every token a client saw is already in the table.
  const rows = await db.sql`select kind, count(*)::int as count from audit_events where kind in ('token.issued', 'token.exchanged', 'delegation.denied') group by kind`;
  const rowsOf = (/** @type {string} */ kind) => Number(rows.find((r) => r.kind === kind)?.count ?? 0);
  const sum = (/** @type {Record<string, number>} */ o) => Object.values(o).reduce((a, b) => a + b, 0);
  const audit = {
    exchanged: { rows: rowsOf("token.exchanged"), answers2xx: sum(answers.exchanged), breakdown: answers.exchanged },
    issued: { rows: rowsOf("token.issued"), answers2xx: sum(answers.issued), breakdown: answers.issued },
    delegationDeniedRows: rowsOf("delegation.denied"),
    match: false,
  };
  audit.match = audit.exchanged.rows === audit.exchanged.answers2xx && audit.issued.rows === audit.issued.answers2xx;

  // ---- report ----
  const tokenSummary = summarize(tokenPart.runs, EXCHANGE, CLIENT_CREDENTIALS);
  const validatorSummary = summarize(validatorPart.runs, DELEGATED, PLAIN);
  const exchangeMet = tokenSummary.ratio.perSecond >= 0.8 && tokenSummary.clean && audit.match;
  const validatorMet = validatorSummary.ratio.perSecond >= 0.9 && validatorSummary.clean;
  const all = [...tokenPart.warmups, ...tokenPart.runs, ...validatorPart.warmups, ...validatorPart.runs];

  const out = [];
  out.push(heading(`Token exchange vs client_credentials: POST /api/v1/token, same agent, ${connections} connections, ${seconds} s x ${rounds} rounds`));
  out.push(runTable("tokens/s", [...tokenPart.warmups, ...tokenPart.runs]));
  out.push(internalsTable(tokenPart.runs, [EXCHANGE, CLIENT_CREDENTIALS], "token"));
  out.push("", summaryTable("tokens/s", tokenSummary, EXCHANGE, CLIENT_CREDENTIALS));
  out.push(heading(`Validator: GET /api/auth/validate, delegated vs plain token for ${SERVICE}, ${connections} connections, ${seconds} s x ${rounds} rounds`));
  out.push(runTable("req/s", [...validatorPart.warmups, ...validatorPart.runs]));
  out.push(internalsTable(validatorPart.runs, [DELEGATED, PLAIN], "request"));
  out.push("", summaryTable("req/s", validatorSummary, DELEGATED, PLAIN));
  out.push(
    "",
    `(CPU columns: % of one core over the run; this machine has ${cpus().length} cores = ${cpus().length * 100} %. ` +
      "main thr run/wait: Vigil's event-loop thread on a CPU / runnable but waiting for one. Warm-ups are not in the means.)",
  );
  const noisy = [...tokenPart.runs, ...validatorPart.runs].filter((r) => otherCpu(r) > 25);
  if (noisy.length) out.push(`!! other processes used > 25 % of a core during ${noisy.map((r) => r.label).join(", ")}: numbers are disturbed, re-run on a quiet machine`);
  out.push(...problemLines(all));
  const auditLine = (/** @type {string} */ kind, /** @type {{ rows: number, answers2xx: number, breakdown: Record<string, number> }} */ a) =>
    `audit: ${kind} rows = ${a.rows}, 2xx answers = ${a.answers2xx} (${Object.entries(a.breakdown).map(([k, v]) => `${k} ${v}`).join(" + ")}) -> ` +
    (a.rows === a.answers2xx ? "MATCH" : `MISMATCH (difference ${a.rows - a.answers2xx})`);
  out.push(auditLine("token.exchanged", audit.exchanged), auditLine("token.issued", audit.issued));
  out.push(`audit: delegation.denied rows = ${audit.delegationDeniedRows}`);
  out.push(
    `goal: "${GOAL_EXCHANGE}" -> ${exchangeMet ? "MET" : "NOT MET"} (${fixed(tokenSummary.ratio.perSecond, 2)}x, audit ${audit.match ? "MATCH" : "MISMATCH"}` +
      `${tokenSummary.clean ? "" : ", runs were not clean"})`,
  );
  out.push(`goal: "${GOAL_VALIDATOR}" -> ${validatorMet ? "MET" : "NOT MET"} (${fixed(validatorSummary.ratio.perSecond, 2)}x${validatorSummary.clean ? "" : ", runs were not clean"})`);
  console.log(out.join("\n"));

  const file = await ctx.writeResult("exchange", {
    settings: ctx.settings,
    node: process.version,
    vigil: { baseUrl: vigil.baseUrl, database: db.name, env, service: SERVICE, agentId: cred.agentId, grantId: grant.id, person: grant.person.id },
    tokenEndpoint: tokenSummary,
    validator: validatorSummary,
    goals: [
      { description: GOAL_EXCHANGE, ratio: tokenSummary.ratio.perSecond, met: exchangeMet },
      { description: GOAL_VALIDATOR, ratio: validatorSummary.ratio.perSecond, met: validatorMet },
    ],
    audit,
    warmups: [...tokenPart.warmups, ...validatorPart.warmups],
    runs: [...tokenPart.runs, ...validatorPart.runs],
  });
  console.log(`results: ${file}`);
}
