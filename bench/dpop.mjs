// Stolen tokens and leaked secrets (issue 14): what proof costs an agent, against the same
// agent without it, on the same Vigil in the same run.
// - DPoP-bound issuance (RFC 9449: a fresh ES256 proof per request, its jti spent once in the
//   replay cache) against bearer issuance, POST /api/v1/token client_credentials with
//   client_secret_basic on both sides;
// - DPoP validation at the gateway validator (GET /api/auth/validate with Authorization: DPoP,
//   a fresh proof per request for the original method and URL, ath the token's hash) against
//   the same validator with a bearer token;
// both with the replay cache in PostgreSQL (the default) and in Redis (REDIS_URL, a private
// redis-server), each on its own Vigil and database;
// - private_key_jwt client authentication (RFC 7523 §2.2, a fresh ES256 client assertion per
//   request) against client_secret_basic, on the PostgreSQL Vigil.
// Interleaved rounds; every 2xx token answer must have its token.issued row.
import { createHash, randomUUID, generateKeyPairSync, sign } from "node:crypto";
import path from "node:path";
import { cpus } from "node:os";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { fixed, heading } from "./lib/format.mjs";
import { vigilRuns } from "./lib/measure.mjs";
import { basicAuth, tokenRequest } from "./lib/oauth.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { startRedis } from "./lib/redis.mjs";
import { internalsTable, otherCpu, problemLines, runTable, summarize, summaryTable } from "./lib/side-by-side.mjs";
import { adminCall, adminToken, createAgentWithCredential, startVigil } from "./lib/vigil.mjs";

// The goals as the issue states them.
const GOAL_PKJWT = "private_key_jwt issuance against client_secret_basic (goal ≥ 0.8x); every issued token audited";
const goalIssue = (/** @type {string} */ store) => `DPoP-bound issuance against bearer issuance, replay cache in ${store} (goal ≥ 0.7x); every issued token audited`;
const goalValidate = (/** @type {string} */ store) => `DPoP validation at the validator against bearer validation, replay cache in ${store} (goal ≥ 0.7x)`;

const SCOPE = "svc:read";
const SERVICE = "https://svc.bench.example";
// What nginx would name as the request the gateway asks about (X-Original-Method / -URL).
const ORIGINAL_URL = "https://gateway.bench.example/api/orders";
// One client, one IP: every bucket raised as in bench/token.mjs (the limiter's cost stays in).
const VIGIL_ENV = {
  RATE_LIMIT_TOKEN_PER_IP: "1000000:1000000",
  RATE_LIMIT_TOKEN_PER_CLIENT: "1000000:1000000",
  RATE_LIMIT_VALIDATE_PER_IP: "1000000:1000000",
  RATE_LIMIT_VALIDATE_PER_SUBJECT: "1000000:1000000",
  TOKEN_MONTHLY_QUOTA: "0",
  TOKEN_TTL_SECONDS: "3600",
  VALIDATOR_AUDIENCES: SERVICE,
};
const PKJWT = "private_key_jwt";
const BASIC = "client_secret_basic";
const DPOP_TOKEN = "DPoP issuance";
const DPOP_VALIDATE = "DPoP validation";
const BEARER_VALIDATE = "bearer validation";
const KID = "bench-es256";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** @param {Record<string, string>} params */
const form = (params) => new URLSearchParams(params).toString();
const b64 = (/** @type {unknown} */ v) => Buffer.from(JSON.stringify(v)).toString("base64url");
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

/** The agent's DPoP key and a proof maker, signing synchronously (autocannon builds each request synchronously). */
function dpopKey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const header = b64({ typ: "dpop+jwt", alg: "ES256", jwk: publicKey.export({ format: "jwk" }) });
  /** @param {string} htm @param {string} htu @param {string} [token] */
  const proof = (htm, htu, token) => {
    const claims = { jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000), ...(token ? { ath: createHash("sha256").update(token).digest("base64url") } : {}) };
    const input = `${header}.${b64(claims)}`;
    return `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  };
  return { proof };
}

/** @param {import("./run.mjs").SectionContext} ctx */
export async function dpopBench(ctx) {
  const { seconds, rounds } = ctx.settings;
  const redis = await startRedis({ logDir: path.join(ctx.logDir, "redis") });
  ctx.defer("stop redis-server", () => redis.service.stop());
  ctx.log(`redis-server ${redis.url}`);

  const pg = await storeRuns(ctx, "PostgreSQL", undefined, true);
  const rd = await storeRuns(ctx, "Redis", redis.url, false);

  // ---- report ----
  const out = [];
  /** @type {{ description: string, ratio: number, met: boolean }[]} */
  const goals = [];
  for (const r of [pg, rd]) {
    out.push(heading(`replay cache in ${r.store}: DPoP against bearer, same agent, ${ctx.settings.connections} connections, ${seconds} s x ${rounds} rounds`));
    out.push(runTable("requests/s", [...r.warmups, ...r.runs]));
    out.push(internalsTable(r.runs, r.sides, "request"));
    const issue = summarize(r.runs, DPOP_TOKEN, BASIC);
    const validate = summarize(r.runs, DPOP_VALIDATE, BEARER_VALIDATE);
    out.push("", summaryTable("tokens/s", issue, DPOP_TOKEN, BASIC), "", summaryTable("answers/s", validate, DPOP_VALIDATE, BEARER_VALIDATE));
    if (r.store === "PostgreSQL") {
      const pkjwt = summarize(r.runs, PKJWT, BASIC);
      out.push("", summaryTable("tokens/s", pkjwt, PKJWT, BASIC));
      goals.push({ description: GOAL_PKJWT, ratio: pkjwt.ratio.perSecond, met: pkjwt.ratio.perSecond >= 0.8 && pkjwt.clean && r.audit.match });
    }
    goals.push({ description: goalIssue(r.store), ratio: issue.ratio.perSecond, met: issue.ratio.perSecond >= 0.7 && issue.clean && r.audit.match });
    goals.push({ description: goalValidate(r.store), ratio: validate.ratio.perSecond, met: validate.ratio.perSecond >= 0.7 && validate.clean });
    const noisy = r.runs.filter((x) => otherCpu(x) > 25);
    if (noisy.length) out.push(`!! other processes used > 25 % of a core during ${noisy.map((x) => x.label).join(", ")}: numbers are disturbed, re-run on a quiet machine`);
    out.push(...problemLines([...r.warmups, ...r.runs]));
    out.push(
      `audit (${r.store}): token.issued rows = ${r.audit.rows}, 2xx token answers = ${r.audit.answers2xx} (${Object.entries(r.audit.breakdown).map(([k, v]) => `${k} ${v}`).join(" + ")}) -> ` +
        (r.audit.match ? "MATCH" : `MISMATCH (difference ${r.audit.rows - r.audit.answers2xx})`),
    );
  }
  out.push("", `(CPU columns: % of one core over the run; this machine has ${cpus().length} cores = ${cpus().length * 100} %. The bench signs an ES256 proof or assertion per request in its own process: loadgen CPU.)`);
  for (const g of goals) out.push(`goal: "${g.description}" -> ${g.met ? "MET" : "NOT MET"} (${fixed(g.ratio, 2)}x)`);
  console.log(out.join("\n"));

  const file = await ctx.writeResult("dpop", {
    settings: ctx.settings,
    node: process.version,
    goals,
    stores: [pg, rd].map((r) => ({ store: r.store, vigil: r.vigil, audit: r.audit, warmups: r.warmups, runs: r.runs })),
  });
  console.log(`results: ${file}`);
}

/**
 * One Vigil on its own database with the replay cache in `store`: setup checks that fail the
 * section, then the interleaved rounds (token sides, then validator sides).
 * @param {import("./run.mjs").SectionContext} ctx @param {string} store @param {string | undefined} redisUrl @param {boolean} withPkjwt
 */
async function storeRuns(ctx, store, redisUrl, withPkjwt) {
  const { seconds, rounds, warmupSeconds, connections, quietWaitSeconds } = ctx.settings;
  const db = await createBenchDatabase();
  ctx.defer(`drop database ${db.name}`, () => db.drop());
  const env = { ...VIGIL_ENV, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
  const vigil = await startVigil({ root: ctx.root, databaseUrl: db.url, logDir: path.join(ctx.logDir, store.toLowerCase()), env });
  ctx.defer(`stop Vigil (${store})`, () => vigil.service.stop());
  ctx.log(`Vigil ${vigil.baseUrl} (log ${vigil.service.logFile}), database ${db.name}, replay cache in ${store}`);

  /** Every 2xx token answer by phase: compared with the token.issued rows at the end. */
  const answers = { admin: 0, setup: 0, "warm-up": 0, rounds: 0 };
  const admin = await adminToken(vigil);
  answers.admin++;
  const cred = await createAgentWithCredential(vigil, admin, { name: `dpop-bench-${store}`, scopes: [SCOPE], resources: [SERVICE] });
  const tokenUrl = `${vigil.baseUrl}/api/v1/token`;
  const validateUrl = `${vigil.baseUrl}/api/auth/validate`;
  const ccBody = { grant_type: "client_credentials", scope: SCOPE, resource: SERVICE };
  const basic = { ...formHeaders, authorization: basicAuth(cred.clientId, cred.clientSecret) };
  const agentKey = dpopKey();
  const jwks = createRemoteJWKSet(new URL(`${vigil.baseUrl}/.well-known/jwks.json`));

  /** A token from the setup, checked against the JWKS: bound (cnf.jkt) with a proof, plain without. */
  const setupToken = async (/** @type {string} */ side, /** @type {Record<string, string>} */ headers, /** @type {string} */ body, bound = false) => {
    const res = await fetch(tokenUrl, { method: "POST", headers, body });
    const json = await res.json().catch(() => ({}));
    if (res.status !== 200 || typeof json.access_token !== "string") throw new Error(`${side} token request failed: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    answers.setup++;
    const { payload } = await jwtVerify(json.access_token, jwks, { issuer: vigil.baseUrl, audience: SERVICE, algorithms: ["RS256"] });
    if (payload.sub !== cred.agentId || payload.scope !== SCOPE) throw new Error(`${side}: unexpected claims sub=${payload.sub} scope=${payload.scope}`);
    if (bound !== (json.token_type === "DPoP" && typeof payload.cnf === "object")) throw new Error(`${side}: token_type ${json.token_type}, cnf ${JSON.stringify(payload.cnf)}`);
    ctx.log(`${side}: verified RS256 JWT, token_type ${json.token_type}`);
    return /** @type {string} */ (json.access_token);
  };
  const bearer = await setupToken(BASIC, basic, form(ccBody));
  const proofOnce = agentKey.proof("POST", tokenUrl);
  const bound = await setupToken(DPOP_TOKEN, { ...basic, dpop: proofOnce }, form(ccBody), true);
  const replayedProof = await fetch(tokenUrl, { method: "POST", headers: { ...basic, dpop: proofOnce }, body: form(ccBody) });
  if (replayedProof.status !== 400) throw new Error(`a replayed DPoP proof was not refused at the token endpoint: HTTP ${replayedProof.status}`);
  const original = { "x-original-method": "GET", "x-original-url": ORIGINAL_URL };
  const validateWith = (/** @type {Record<string, string>} */ headers) => fetch(validateUrl, { headers: { ...original, ...headers } }).then((r) => r.status);
  const validProof = agentKey.proof("GET", ORIGINAL_URL, bound);
  const checks = {
    "bearer token": [await validateWith({ authorization: `Bearer ${bearer}` }), 200],
    "bound token with a proof": [await validateWith({ authorization: `DPoP ${bound}`, dpop: validProof }), 200],
    "the same proof again": [await validateWith({ authorization: `DPoP ${bound}`, dpop: validProof }), 401],
    "bound token as Bearer": [await validateWith({ authorization: `Bearer ${bound}` }), 401],
  };
  for (const [what, [got, want]] of Object.entries(checks)) if (got !== want) throw new Error(`validator, ${what}: HTTP ${got}, expected ${want}`);
  ctx.log(`validator: bearer 200, DPoP 200, replayed proof 401, bound token as Bearer 401 (replay cache in ${store})`);

  // private_key_jwt: the agent's assertion key registered, one assertion spent in the check.
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const assertion = () => {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: "ES256", kid: KID, typ: "JWT" })}.${b64({ iss: cred.clientId, sub: cred.clientId, aud: tokenUrl, iat: now, exp: now + 60, jti: randomUUID() })}`;
    return `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  };
  const pkjwtBody = (/** @type {string} */ a) => form({ ...ccBody, client_assertion_type: JWT_BEARER, client_assertion: a });
  if (withPkjwt) {
    await adminCall(vigil, admin, "PATCH", `/api/v1/agents/${cred.agentId}`, { jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), kid: KID, alg: "ES256" }] } });
    const once = assertion();
    await setupToken(PKJWT, formHeaders, pkjwtBody(once));
    const replay = await tokenRequest(tokenUrl, "", pkjwtBody(once)).catch((e) => ({ status: 0, text: String(e), json: null }));
    if (replay.status !== 401 || replay.json?.error !== "invalid_client") throw new Error(`a replayed client assertion was not refused: HTTP ${replay.status} ${replay.text.slice(0, 300)}`);
    ctx.log("private_key_jwt: the same assertion a second time is refused (401 invalid_client)");
  }

  // ---- measurement: from here on, problems are reported, not fatal ----
  const { interleaved } = vigilRuns(ctx, vigil, db, { connections, quietWaitSeconds });
  const noBody = () => undefined;
  /** @param {string} side @returns {import("./lib/measure.mjs").LoadRequest} */
  const requestFor = (side) => {
    if (side === PKJWT) return { url: tokenUrl, method: "POST", headers: formHeaders, perConnection: () => ({ body: () => pkjwtBody(assertion()), answer: () => true }) };
    if (side === DPOP_TOKEN) return { url: tokenUrl, method: "POST", headers: basic, perConnection: () => ({ body: () => form(ccBody), headers: () => ({ dpop: agentKey.proof("POST", tokenUrl) }), answer: () => true }) };
    if (side === DPOP_VALIDATE) {
      return { url: validateUrl, method: "GET", headers: { ...original, authorization: `DPoP ${bound}` }, perConnection: () => ({ body: noBody, headers: () => ({ dpop: agentKey.proof("GET", ORIGINAL_URL, bound) }), answer: () => true }) };
    }
    if (side === BEARER_VALIDATE) return { url: validateUrl, method: "GET", headers: { ...original, authorization: `Bearer ${bearer}` } };
    return { url: tokenUrl, method: "POST", body: form(ccBody), headers: basic };
  };
  const tokenSides = withPkjwt ? [PKJWT, BASIC, DPOP_TOKEN] : [BASIC, DPOP_TOKEN];
  const issuing = await interleaved(tokenSides, requestFor, { seconds, warmupSeconds, rounds });
  for (const r of issuing.warmups) answers["warm-up"] += r.ok2xx;
  for (const r of issuing.runs) answers.rounds += r.ok2xx;
  const validating = await interleaved([DPOP_VALIDATE, BEARER_VALIDATE], requestFor, { seconds, warmupSeconds, rounds });

  // Commits precede responses, so every token a client saw is already in the table.
  const [row] = await db.sql`select count(*)::int as count from audit_events where kind = 'token.issued'`;
  const answered = Object.values(answers).reduce((a, b) => a + b, 0);
  const audit = { rows: Number(row?.count ?? 0), answers2xx: answered, breakdown: answers, match: Number(row?.count ?? 0) === answered };
  return {
    store,
    sides: [...tokenSides, DPOP_VALIDATE, BEARER_VALIDATE],
    vigil: { baseUrl: vigil.baseUrl, database: db.name, env, agentId: cred.agentId },
    warmups: [...issuing.warmups, ...validating.warmups],
    runs: [...issuing.runs, ...validating.runs],
    audit,
  };
}
