// Vigil as a black box: the production build started the way an operator would, configured
// only through its environment and provisioned only through its public API. Shared by every
// bench section that needs a running Vigil and an agent credential.
import { randomBytes } from "node:crypto";
import { ensureBuild } from "./build.mjs";
import { freePort, startService, waitForHttp } from "./processes.mjs";
import { basicAuth, tokenRequest } from "./oauth.mjs";

// Only these are inherited: a developer's shell may export DATABASE_URL, AUTH_URL, VIGIL_*
// and so on, and the bench must not silently run against them.
const INHERITED = ["PATH", "HOME", "LANG", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"];

/**
 * @typedef {object} Vigil
 * @property {import("./processes.mjs").Service} service
 * @property {string} baseUrl
 * @property {string} adminClientId
 * @property {string} adminSecret
 */

/**
 * Starts `node dist/server.mjs` on a free port against `databaseUrl` and waits for readiness.
 * Extra server variables can be passed as BENCH_VIGIL_<NAME> (e.g. BENCH_VIGIL_DATABASE_POOL_MAX=20).
 * `databaseUrl` null: the embedded database (PGlite) in `dataDir`, as a trial runs it.
 * @param {{ root: string, databaseUrl: string | null, dataDir?: string, logDir: string, env?: Record<string, string>, port?: number, host?: string }} opts
 *   env: section defaults for server variables; BENCH_VIGIL_<NAME> still wins. port and
 *   host: when a peer must know the address first (an IdP's redirect URIs); a browser
 *   signing in needs host "localhost", the origin Next builds its URLs with.
 * @returns {Promise<Vigil>}
 */
export async function startVigil({ root, databaseUrl, dataDir, logDir, env: sectionEnv = {}, port: fixedPort, host = "127.0.0.1" }) {
  // Again here, not only at the start of the run: someone may have started a build since.
  await ensureBuild(root);
  const port = fixedPort ?? (await freePort());
  const baseUrl = `http://${host}:${port}`;
  const adminSecret = sectionEnv.VIGIL_BOOTSTRAP_ADMIN_SECRET ?? randomBytes(32).toString("base64url");
  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  for (const k of INHERITED) if (process.env[k] !== undefined) env[k] = process.env[k];
  Object.assign(env, sectionEnv);
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("BENCH_VIGIL_") && v !== undefined) env[k.slice("BENCH_VIGIL_".length)] = v;
  }
  Object.assign(env, {
    NODE_ENV: "production",
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...(databaseUrl !== null ? { DATABASE_URL: databaseUrl } : { VIGIL_ALLOW_EMBEDDED_DB: "true", VIGIL_DATA_DIR: dataDir }),
    // Instances sharing a database must share the secret that seals the signing keys.
    AUTH_SECRET: sectionEnv.AUTH_SECRET ?? randomBytes(32).toString("base64url"),
    AUTH_URL: sectionEnv.AUTH_URL ?? baseUrl,
    VIGIL_BOOTSTRAP_ADMIN_SECRET: adminSecret,
  });
  const service = startService({ name: "vigil", command: process.execPath, args: [...(process.env.BENCH_CPU_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : []), "dist/server.mjs"], cwd: root, env, logDir });
  try {
    await waitForHttp(`${baseUrl}/api/ready`, { service });
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { service, baseUrl, adminClientId: env.VIGIL_BOOTSTRAP_ADMIN_CLIENT_ID ?? "vigil-admin", adminSecret };
}

/**
 * Admin access token from the bootstrap client. Note for callers that count tokens: this
 * is a token.issued event like any other.
 * @param {Vigil} vigil
 */
export async function adminToken(vigil) {
  const res = await tokenRequest(
    `${vigil.baseUrl}/api/v1/token`,
    basicAuth(vigil.adminClientId, vigil.adminSecret),
    "grant_type=client_credentials",
  );
  if (res.status !== 200 || !res.json?.access_token) {
    throw new Error(`admin token request failed: HTTP ${res.status} ${res.text.slice(0, 500)}`);
  }
  return /** @type {string} */ (res.json.access_token);
}

/**
 * One admin API call that must answer 201 Created; returns the parsed body.
 * @param {Vigil} vigil
 * @param {string} token admin bearer token
 * @param {string} method
 * @param {string} pathname
 * @param {unknown} body
 */
export async function adminCall(vigil, token, method, pathname, body) {
  const res = await fetch(`${vigil.baseUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== (method === "POST" ? 201 : 200)) throw new Error(`${method} ${pathname} -> HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/**
 * An agent allowed `scopes` (and, when given, registered for the audiences `resources`
 * instead of Vigil's API alone, and for the authorization code flow's `redirectUris`), and
 * one client credential for it.
 * @param {Vigil} vigil
 * @param {string} token admin bearer token
 * @param {{ name?: string, scopes: string[], resources?: string[], redirectUris?: string[] }} opts
 * @returns {Promise<{ agentId: string, clientId: string, clientSecret: string }>}
 */
export async function createAgentWithCredential(vigil, token, { name = "bench-agent", scopes, resources, redirectUris }) {
  const agent = await adminCall(vigil, token, "POST", "/api/v1/agents", {
    name,
    email: "bench@example.com",
    owner: "bench",
    deployment_env: "bench",
    allowed_scopes: scopes,
    ...(resources ? { allowed_resources: resources } : {}),
    ...(redirectUris ? { redirect_uris: redirectUris } : {}),
  });
  const cred = await adminCall(vigil, token, "POST", `/api/v1/agents/${agent.id}/credentials`, {});
  if (!cred.client_id || !cred.client_secret) throw new Error(`credential response lacks client_id/client_secret: ${JSON.stringify(cred)}`);
  return { agentId: agent.id, clientId: cred.client_id, clientSecret: cred.client_secret };
}
