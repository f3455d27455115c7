import { spawn } from "node:child_process";
import { createHmac, hkdfSync, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { encode } from "next-auth/jwt";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "@/lib/testing/test-db";
import { adminToken, agentInput, api, basic } from "../support/client";
import { spawnUntilReady } from "../support/child";
import { BOOTSTRAP_SECRET, freePort, productionEnv, ROOT, startVigil, type VigilProcess } from "../support/vigil-process";

/**
 * Issue 16 §10: rotating AUTH_SECRET with live agents, none of which registers again. Vigil
 * runs on A; then on B with A in AUTH_SECRET_PREVIOUS (every secret, token, session cookie,
 * DPoP nonce and signing key made under A still works, and moves to B as it is used);
 * `npm run secrets:reseal` says who still needs A; then on B alone. And the mistake: B alone
 * before the agents moved, which refuses them and says which secret is missing.
 */
const adminUrl = process.env.TEST_DATABASE_URL;
const A = "rotation-e2e-secret-A-0123456789abcdefghijklmn";
const B = "rotation-e2e-secret-B-0123456789abcdefghijklmn";
const options = { [oauth.allowInsecureRequests]: true };
const form = { "content-type": "application/x-www-form-urlencoded" };

/** The version id Vigil derives from a secret (lib/keys/server-secrets.ts), to read logs and reports by. */
const versionOf = (secret: string) => Buffer.from(hkdfSync("sha256", secret, "vigil", "server-secret-version", 6)).toString("base64url");

type Agent = { id: string; clientId: string; secret: string };

describe.runIf(adminUrl)("rotating AUTH_SECRET with live agents", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let db: { url: string; drop: () => Promise<void> };
  let port = 0;
  let base = "";
  let vigil: VigilProcess | null = null;

  const envFor = (current: string, previous?: string) => ({
    ...productionEnv(port, { url: db.url }),
    AUTH_SECRET: current,
    ...(previous ? { AUTH_SECRET_PREVIOUS: previous } : {}),
    // Nonces last two windows of an hour: a restart never crosses out of them.
    DPOP_NONCES: "true",
    DPOP_NONCE_SECONDS: "3600",
    RATE_LIMIT_TOKEN_PER_IP: "0",
    RATE_LIMIT_TOKEN_PER_CLIENT: "0",
  });
  /** Stops the running instance and starts one with these secrets on the same port (same issuer). */
  async function stopVigil() {
    await vigil?.stop();
    vigil = null;
  }
  async function restart(current: string, previous?: string) {
    await stopVigil();
    vigil = await startVigil(`vigil-${versionOf(current)}`, envFor(current, previous));
  }
  /** `npm run secrets:reseal` with the server's environment, while it runs. */
  async function reseal(current: string, previous?: string): Promise<{ code: number | null; report: Record<string, unknown> & { client_secret_hashes: { dependents: { client_id: string; version: string }[] } } }> {
    const env: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...envFor(current, previous), LOG_LEVEL: "silent" };
    const child = spawn("npm", ["run", "--silent", "secrets:reseal"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    if (!out.trim().startsWith("{")) throw new Error(`secrets:reseal printed no report (exit ${code}): ${out}${err}`);
    return { code, report: JSON.parse(out) as never };
  }

  const token = (agent: Agent) =>
    fetch(`${base}/api/v1/token`, { method: "POST", headers: { ...form, authorization: basic(agent.clientId, agent.secret) }, body: "grant_type=client_credentials" });
  const tokenOf = async (agent: Agent) => {
    const res = await token(agent);
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const validates = (accessToken: string) => fetch(`${base}/api/auth/validate`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);
  /** Verified as any resource server would: discovery, then the JWKS, with jose. */
  const verifiedByJwks = async (accessToken: string) => {
    const as = await oauth.processDiscoveryResponse(new URL(base), await oauth.discoveryRequest(new URL(base), { algorithm: "oauth2", ...options }));
    const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(as.jwks_uri ?? "")), { issuer: base, typ: "at+jwt" });
    return payload.sub;
  };

  async function registerAgent(extra: Record<string, unknown> = {}): Promise<Agent> {
    const admin = api(base, await adminToken(base));
    const agent = await admin("POST", "/api/v1/agents", agentInput(extra));
    expect(agent.status).toBe(201);
    const credential = await admin("POST", `/api/v1/agents/${agent.json.id as string}/credentials`, {});
    expect(credential.status).toBe(201);
    return { id: agent.json.id as string, clientId: credential.json.client_id as string, secret: credential.json.client_secret as string };
  }

  beforeAll(async () => {
    if (!adminUrl) return;
    db = await createPostgresDatabase(adminUrl);
    cleanups.push(db.drop);
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cleanups.push(stopVigil);
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it("keeps every agent, token, session and signing key through A -> B with A previous -> reseal -> B alone", async () => {
    await restart(A);
    const as = await oauth.processDiscoveryResponse(new URL(base), await oauth.discoveryRequest(new URL(base), { algorithm: "oauth2", ...options }));
    // Three agents with secrets (Basic, and client_secret_post through oauth4webapi), one of
    // which stays idle until after the first reseal; and one binding its tokens with DPoP.
    const basicAgent = await registerAgent();
    const postAgent = await registerAgent();
    const idle = await registerAgent();
    const popAgent = await registerAgent({ allowed_scopes: ["agents:read"] });
    const popClient: oauth.Client = { client_id: popAgent.clientId };
    const DPoP = oauth.DPoP(popClient, await oauth.generateKeyPair("ES256"));
    const postGrant = async () => {
      const client: oauth.Client = { client_id: postAgent.clientId };
      return oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(postAgent.secret), {}, options));
    };
    const popGrant = () => oauth.clientCredentialsGrantRequest(as, popClient, oauth.ClientSecretBasic(popAgent.secret), { scope: "agents:read" }, { DPoP, ...options });
    const popRead = (accessToken: string) => oauth.protectedResourceRequest(accessToken, "GET", new URL(`${base}/api/v1/agents/${popAgent.id}`), undefined, undefined, { DPoP, ...options });

    const oldBasic = await tokenOf(basicAgent);
    const oldPost = (await postGrant()).access_token;
    // The first DPoP request learns the nonce (RFC 9449 §8): refused once, by design.
    await expect(oauth.processClientCredentialsResponse(as, popClient, await popGrant())).rejects.toSatisfy((e) => oauth.isDPoPNonceError(e));
    const oldPop = (await oauth.processClientCredentialsResponse(as, popClient, await popGrant())).access_token;
    expect((await popRead(oldPop)).status).toBe(200);
    // A person signed in to the console on A (Auth.js's cookie, as Auth.js makes it).
    const sid = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const cookie = `authjs.session-token=${await encode({ token: { sub: "carol", name: "Carol", email: "carol@example.com", role: "admin", sid, authTime: now }, secret: A, salt: "authjs.session-token", maxAge: 3600 })}`;
    const csrfUnderA = createHmac("sha256", Buffer.from(hkdfSync("sha256", A, "vigil", "console-csrf", 32))).update(sid).digest("base64url");
    const consoleCall = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, { method, headers: { cookie, origin: base, "x-csrf-token": csrfUnderA, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    expect((await consoleCall("GET", "/api/v1/agents")).status).toBe(200);

    // B is the secret now; A still opens what it made.
    await restart(B, A);
    expect(vigil?.output()).toContain(`"secret_version":"${versionOf(B)}"`);
    expect(vigil?.output()).toMatch(/signing keys re-sealed under the current AUTH_SECRET/);
    // Tokens signed before the restart verify: the signing key was unsealed with A.
    for (const old of [oldBasic, oldPost]) expect(await validates(old)).toBe(200);
    expect(await verifiedByJwks(oldBasic)).toBe(basicAgent.id);
    // The DPoP client's nonce from A is still good: no use_dpop_nonce round after the restart.
    expect((await popRead(oldPop)).status).toBe(200);
    // The person stays signed in, and the page they loaded before can still write.
    expect((await consoleCall("GET", "/api/v1/agents")).status).toBe(200);
    expect((await consoleCall("POST", "/api/v1/agents", agentInput())).status).toBe(201);
    // The same agents, their same secrets: new tokens, signed by the same key.
    const newBasic = await tokenOf(basicAgent);
    expect(await verifiedByJwks(newBasic)).toBe(basicAgent.id);
    expect((await postGrant()).access_token).toBeTruthy();
    const newPop = await oauth.processClientCredentialsResponse(as, popClient, await popGrant());
    expect(newPop.token_type).toBe("dpop");

    // The command: keys are on B already; one agent has not been seen since, so A is still needed.
    const first = await reseal(B, A);
    expect(first.code).toBe(3);
    expect(first.report.previous_secrets_needed).toBe(true);
    expect(first.report.client_secret_hashes.dependents).toEqual([expect.objectContaining({ client_id: idle.clientId, version: versionOf(A) })]);
    expect(first.report.signing_keys).toMatchObject({ unopenable: [] });
    expect(JSON.stringify(first.report)).not.toContain(A);
    // Each agent once more: the idle one moves too.
    for (const agent of [basicAgent, postAgent, idle, popAgent]) await tokenOf(agent);
    const second = await reseal(B, A);
    expect(second.code).toBe(0);
    expect(second.report.client_secret_hashes.dependents).toEqual([]);
    expect(second.report.previous_secrets_needed).toBe(false);

    // A is gone. Nobody registers again: every agent and the old tokens still work.
    await restart(B);
    for (const agent of [basicAgent, postAgent, idle, popAgent]) expect(await verifiedByJwks(await tokenOf(agent))).toBe(agent.id);
    expect((await postGrant()).access_token).toBeTruthy();
    expect(await validates(oldBasic)).toBe(200);
    expect((await popRead(newPop.access_token)).status).toBe(200);
    // A session cookie made under A ends with A (README: keep A for the session lifetime).
    expect((await consoleCall("GET", "/api/v1/agents")).status).toBe(401);
  });

  it("refuses agents still hashed under A when A is dropped too early, says which secret the signing key needs, and loses nothing", async () => {
    await stopVigil();
    db = await createPostgresDatabase(adminUrl ?? "");
    cleanups.push(db.drop);
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await restart(A);
    const stranded = await registerAgent();
    const kid = decodeProtectedHeader(await tokenOf(stranded)).kid;
    await stopVigil();

    // B alone: the server starts (so it can say why) but is not ready and signs nothing.
    const child = await spawnUntilReady({
      name: "vigil-b-only",
      command: process.execPath,
      args: ["dist/server.mjs"],
      options: { cwd: ROOT, env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...envFor(B) } },
      ready: async () => ((await (await fetch(`${base}/api/ready`)).json()) as { checks?: { migrations?: boolean } }).checks?.migrations === true,
      timeoutMs: 60_000,
      pollMs: 100,
    });
    vigil = { name: "vigil-b-only", baseUrl: base, ...child };
    const ready = await fetch(`${base}/api/ready`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { checks: Record<string, boolean>; problem?: string };
    expect(readiness.checks.signing_key).toBe(false);
    expect(readiness.problem).toMatch(/No signing key can be unsealed .*AUTH_SECRET_PREVIOUS/);
    const log = vigil.output();
    expect(log).toContain(`signing key ${kid} cannot be unsealed: sealed under server secret version ${versionOf(A)}`);
    expect(log).toMatch(/add the secret it was sealed with to AUTH_SECRET_PREVIOUS/);
    expect(log).not.toContain(A);
    expect(log).not.toContain(B);

    // The agent: invalid_client (RFC 6749 §5.2), not a 500.
    const refused = await token(stranded);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_client" });
    // The bootstrap admin was re-keyed from its configured plaintext, but nothing can sign: 503.
    const admin = await fetch(`${base}/api/v1/token`, { method: "POST", headers: { ...form, authorization: basic("vigil-admin", BOOTSTRAP_SECRET) }, body: "grant_type=client_credentials" });
    expect(admin.status).toBe(503);
    expect(await admin.json()).toMatchObject({ error: "temporarily_unavailable", error_description: expect.stringMatching(/AUTH_SECRET_PREVIOUS/) });

    // Put A back as previous: the same agent, the same secret, works again.
    await restart(B, A);
    expect(await validates(await tokenOf(stranded))).toBe(200);
  });
});
