// Section "token-algs": client_credentials tokens/s with Vigil signing ES256 and EdDSA (per
// key: SIGNING_ALG), side by side with oidc-provider's RS256 in the same run; issue 18 asks
// for >= 3x. Every token is verified against the issuer's JWKS with the alg it announces, and
// every 2xx must have its token.issued row.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { waitForQuietMachine } from "./lib/cpu.mjs";
import { fixed, heading, table } from "./lib/format.mjs";
import { basicAuth, tokenLoad, tokenRequest } from "./lib/oauth.mjs";
import { startOidcProvider } from "./lib/oidc-provider.mjs";
import { createBenchDatabase } from "./lib/pg.mjs";
import { meansBySide } from "./lib/side-by-side.mjs";
import { adminToken, createAgentWithCredential, startVigil } from "./lib/vigil.mjs";

const FORM = "grant_type=client_credentials&scope=svc:read";
const RATE_ENV = { RATE_LIMIT_TOKEN_PER_IP: "1000000:1000000", RATE_LIMIT_TOKEN_PER_CLIENT: "1000000:1000000" };
const ALGS = /** @type {const} */ (["ES256", "EdDSA"]);
const PEER = "oidc-provider (RS256)";
const GOAL_RATIO = 3;
const goalText = (/** @type {string} */ alg) => `Vigil ${alg} tokens/s >= ${GOAL_RATIO}x oidc-provider's RS256, every token audited`;

/** @param {import("./run.mjs").SectionContext} ctx */
export async function tokenAlgsBench(ctx) {
  const { seconds, rounds, warmupSeconds, connections } = ctx.settings;

  const peer = await startOidcProvider(ctx);
  await peer.ready();

  /** @type {Record<string, { url: string, auth: string, jwks: string, alg: string, served: number, db?: Awaited<ReturnType<typeof createBenchDatabase>> }>} */
  const sides = { [PEER]: { url: `${peer.url}/token`, auth: peer.auth, jwks: `${peer.url}/jwks`, alg: "RS256", served: 0 } };
  for (const alg of ALGS) {
    const db = await createBenchDatabase();
    ctx.defer(`drop database ${db.name}`, () => db.drop());
    const vigil = await startVigil({ root: ctx.root, databaseUrl: db.url, logDir: ctx.logDir, env: { ...RATE_ENV, SIGNING_ALG: alg } });
    ctx.defer(`stop Vigil ${alg}`, () => vigil.service.stop());
    const admin = await adminToken(vigil);
    const cred = await createAgentWithCredential(vigil, admin, { scopes: ["svc:read"] });
    // The admin's own token counts: it is audited too.
    sides[`Vigil ${alg}`] = { url: `${vigil.baseUrl}/api/v1/token`, auth: basicAuth(cred.clientId, cred.clientSecret), jwks: `${vigil.baseUrl}/.well-known/jwks.json`, alg, served: 1, db };
  }

  // Each really signs with the alg it claims, verifiably against its JWKS.
  for (const [name, side] of Object.entries(sides)) {
    const res = await tokenRequest(side.url, side.auth, FORM);
    if (res.status !== 200) throw new Error(`${name} token request failed: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    if (side.db) side.served++;
    const token = res.json?.access_token;
    const header = decodeProtectedHeader(token);
    if (header.alg !== side.alg) throw new Error(`${name}: expected alg ${side.alg}, got ${header.alg}`);
    await jwtVerify(token, createRemoteJWKSet(new URL(side.jwks)), { algorithms: [side.alg] });
    ctx.log(`${name}: verified ${side.alg} JWT against ${side.jwks}`);
  }

  /** @param {string} name @param {string} phase @param {number} secs */
  const measure = async (name, phase, secs) => {
    const side = sides[name];
    const quiet = await waitForQuietMachine({ thresholdPercent: 30, maxWaitMs: ctx.settings.quietWaitSeconds * 1000 });
    const result = await tokenLoad(`${name} ${phase}`, side, FORM, secs, connections);
    if (side.db) side.served += result.ok2xx;
    ctx.log(`${result.label}: ${fixed(result.rps)} tokens/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms${result.clean ? "" : "  <-- FLAGGED"}`);
    return { ...result, side: name, phase, machineBusyPercent: quiet.busyPercent };
  };

  const names = Object.keys(sides);
  for (const name of names) await measure(name, "warm-up", warmupSeconds);
  /** @type {Awaited<ReturnType<typeof measure>>[]} */
  const runs = [];
  for (let r = 1; r <= rounds; r++) for (const name of names) runs.push(await measure(name, `round ${r}`, seconds));

  const summary = meansBySide(runs, names);
  /** @type {{ alg: string, ratio: number, audit: { rows: number, served: number, match: boolean }, met: boolean }[]} */
  const goals = [];
  for (const alg of ALGS) {
    const side = sides[`Vigil ${alg}`];
    const db = side.db;
    if (!db) throw new Error(`no database for ${alg}`);
    const [{ count }] = await db.sql`select count(*)::int as count from audit_events where kind = 'token.issued'`;
    const ratio = summary[`Vigil ${alg}`].rps / summary[PEER].rps;
    const audit = { rows: count, served: side.served, match: count === side.served };
    goals.push({ alg, ratio, audit, met: ratio >= GOAL_RATIO && audit.match && summary[`Vigil ${alg}`].clean });
  }

  console.log(
    [
      heading(`Token endpoint by signing alg: client_credentials, ${connections} connections, ${seconds} s x ${rounds} rounds`),
      table(
        ["side", "tokens/s", "p50 ms", "p99 ms", "x oidc-provider RS256"],
        names.map((n) => [n, fixed(summary[n].rps), fixed(summary[n].p50Ms, 2), fixed(summary[n].p99Ms, 2), `${fixed(summary[n].rps / summary[PEER].rps, 2)}x`]),
      ),
      ...goals.map((g) => `audit ${g.alg}: token.issued rows = ${g.audit.rows}, 2xx = ${g.audit.served} -> ${g.audit.match ? "MATCH" : "MISMATCH"}`),
      ...goals.map((g) => `goal: ${goalText(g.alg)} -> ${g.met ? "MET" : "NOT MET"} (${fixed(g.ratio, 2)}x)`),
    ].join("\n"),
  );
  const file = await ctx.writeResult("token-algs", { settings: ctx.settings, summary, goals: goals.map((g) => ({ description: goalText(g.alg), ...g })), runs });
  console.log(`results: ${file}`);
}
