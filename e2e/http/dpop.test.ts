import { calculateThumbprint, generateKeyPair, generateProof, type KeyPair } from "dpop";
import { decodeJwt, exportJWK, SignJWT } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPostgresDatabase } from "../../lib/testing/test-db";
import { adminToken, agentInput, agentWithCredential, api, basic } from "../support/client";
import { echoService } from "../support/echo-service";
import { startBalancer, startGateway } from "../support/nginx";
import { startRedis } from "../support/redis";
import { freePort, productionEnv, startVigil, type VigilProcess } from "../support/vigil-process";

const options = { [oauth.allowInsecureRequests]: true };
const form = { "content-type": "application/x-www-form-urlencoded" };

/** What oauth4webapi parsed of a refusal's WWW-Authenticate header (it rejects malformed ones). */
async function challengeOf(request: Promise<Response>): Promise<oauth.WWWAuthenticateChallenge[]> {
  const error = await request.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
  return (error as oauth.WWWAuthenticateChallengeError).cause;
}

describe.each(inject("servers"))("DPoP (RFC 9449) with strict clients on $name", ({ baseUrl }) => {
  const issuer = new URL(baseUrl);
  const discover = async () => oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...options }));

  /** An agent that may read agents, with a DPoP key pair and oauth4webapi's DPoP handle for it. */
  async function dpopAgent(extra: Record<string, unknown> = {}) {
    const agent = await agentWithCredential(baseUrl, { allowed_scopes: ["agents:read"], ...extra });
    const client: oauth.Client = { client_id: agent.clientId };
    const keys = await oauth.generateKeyPair("ES256");
    return { agent, client, keys, DPoP: oauth.DPoP(client, keys), jkt: await calculateThumbprint(keys.publicKey) };
  }

  it("advertises DPoP in both metadata documents", async () => {
    const as = await discover();
    expect(as.dpop_signing_alg_values_supported).toEqual(["ES256", "RS256", "PS256", "EdDSA", "Ed25519"]);
    const resource = (await (await fetch(`${baseUrl}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ dpop_signing_alg_values_supported: as.dpop_signing_alg_values_supported, dpop_bound_access_tokens_required: false });
  });

  it("binds a client_credentials token to the agent's key, which then opens Vigil's API only with a fresh proof (oauth4webapi)", async () => {
    const as = await discover();
    const { agent, client, keys, DPoP, jkt } = await dpopAgent();
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), { scope: "agents:read" }, { DPoP, ...options });
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.token_type).toBe("dpop");
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });

    const url = new URL(`${baseUrl}/api/v1/agents/${agent.id}`);
    const ok = await oauth.protectedResourceRequest(tokens.access_token, "GET", url, undefined, undefined, { DPoP, ...options });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { id: string }).id).toBe(agent.id);

    // The same token as a plain bearer token: refused, with a DPoP challenge naming the algorithms.
    const asBearer = await challengeOf(oauth.protectedResourceRequest(tokens.access_token, "GET", url, undefined, undefined, options));
    expect(asBearer).toEqual([expect.objectContaining({ scheme: "dpop", parameters: expect.objectContaining({ error: "invalid_token", algs: "ES256 RS256 PS256 EdDSA Ed25519" }) })]);
    // A copied request (the same proof) is refused: a proof is single use.
    const proof = await generateProof(keys as KeyPair, url.href, "GET", undefined, tokens.access_token);
    const copied = { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: proof } };
    expect((await fetch(url, copied)).status).toBe(200);
    const again = await fetch(url, copied);
    expect(again.status).toBe(401);
    expect(again.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof", error_description="[^"]*used before/);
    // A proof by any other key is refused: the token is only as good as the agent's private key.
    const stolen = await fetch(url, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: await generateProof(await asDpopKeys(), url.href, "GET", undefined, tokens.access_token) } });
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof", error_description="[^"]*another key/);
  });

  it("refuses a replayed proof at the token endpoint, and counts proofs in vigil_pop_validations_total", async () => {
    const { agent, keys } = await dpopAgent();
    const pair = keys as KeyPair;
    const tokenProof = await generateProof(pair, `${baseUrl}/api/v1/token`, "POST");
    const call = () => fetch(`${baseUrl}/api/v1/token`, { method: "POST", headers: { ...form, authorization: basic(agent.clientId, agent.secret), dpop: tokenProof }, body: "grant_type=client_credentials" });
    const issued = await call();
    expect(issued.status).toBe(200);
    const replayed = await call();
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ error: "invalid_dpop_proof", error_description: expect.stringMatching(/used before/) });
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/vigil_pop_validations_total\{result="valid",point="token"\} [1-9]/);
    expect(metrics).toMatch(/vigil_pop_validations_total\{result="replayed",point="token"\} [1-9]/);
  });

  it("gives an agent registered with dpop: required no token without a proof, and says so in the agent's view", async () => {
    const as = await discover();
    const { agent, client, DPoP } = await dpopAgent({ dpop: "required" });
    const admin = api(baseUrl, await adminToken(baseUrl));
    expect((await admin("GET", `/api/v1/agents/${agent.id}`)).json).toMatchObject({ dpop: "required" });
    const plain = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), {}, options);
    await expect(oauth.processClientCredentialsResponse(as, client, plain)).rejects.toMatchObject({ error: "invalid_dpop_proof" });
    const bound = await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), {}, { DPoP, ...options }));
    expect(bound.token_type).toBe("dpop");
    // Switching back is an audited change like any other.
    expect((await admin("PATCH", `/api/v1/agents/${agent.id}`, { dpop: "optional" })).json).toMatchObject({ dpop: "optional" });
    expect((await admin("PATCH", `/api/v1/agents/${agent.id}`, { dpop: "always" })).status).toBe(400);
  });

  describe("behind the nginx gateway", () => {
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    let service: Awaited<ReturnType<typeof echoService>>;
    beforeAll(async () => {
      service = await echoService();
      gateway = await startGateway({ vigilPort: Number(new URL(baseUrl).port), servicePort: service.port, listenPort: await freePort() });
    });
    afterAll(async () => {
      await gateway?.stop();
      service?.server.close();
    });

    it("checks the proof against the original method and URL nginx passes, and refuses the bound token as Bearer", async () => {
      const as = await discover();
      const { agent, client, DPoP } = await dpopAgent();
      const tokens = await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(agent.secret), {}, { DPoP, ...options }));
      const url = new URL(`${gateway.base}/api/orders?page=2`);
      const through = await oauth.protectedResourceRequest(tokens.access_token, "GET", url, undefined, undefined, { DPoP, ...options });
      expect(through.status).toBe(200);
      expect(((await through.json()) as { headers: Record<string, string> }).headers["x-user-id"]).toBe(agent.id);

      const asBearer = await challengeOf(oauth.protectedResourceRequest(tokens.access_token, "GET", url, undefined, undefined, options));
      expect(asBearer[0]).toMatchObject({ scheme: "dpop", parameters: { error: "invalid_token" } });
      const before = service.seen.length;
      // A proof made for another path of the same gateway does not open this one.
      const keys = await asDpopKeys();
      const elsewhere = await fetch(url, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop: await generateProof(keys, `${gateway.base}/api/admin/x`, "GET", undefined, tokens.access_token) } });
      expect(elsewhere.status).toBe(401);
      expect(service.seen.length).toBe(before);
    });
  });
});

/** Keys of the dpop package's shape, for hand-made proofs (none of them the token's key). */
const asDpopKeys = () => generateKeyPair("ES256");

/**
 * Replicas behind one load balancer share one replay cache: the same proof, or the same client
 * assertion, sent to instance A and then to instance B is refused by B. PostgreSQL (the
 * default store) and Redis (REDIS_URL), each with two real Vigil processes behind nginx.
 */
const adminUrl = process.env.TEST_DATABASE_URL;
describe.each(adminUrl ? (["database", "redis"] as const) : [])("replay cache shared by two replicas behind nginx (%s)", (store) => {
  const started: VigilProcess[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  let base = "";
  beforeAll(async () => {
    const db = await createPostgresDatabase(adminUrl ?? "");
    cleanups.push(db.drop);
    const redis = store === "redis" ? await startRedis() : null;
    if (redis) cleanups.push(redis.stop);
    const ports: [number, number] = [await freePort(), await freePort()];
    const listenPort = await freePort();
    base = `http://127.0.0.1:${listenPort}`;
    const balancer = await startBalancer({ ports, listenPort });
    cleanups.push(balancer.stop);
    // One at a time: the second finds the schema migrated.
    for (const [i, port] of ports.entries()) {
      const env = { ...productionEnv(port, { url: db.url }), AUTH_URL: base, VALIDATOR_AUDIENCES: base, ...(redis ? { REDIS_URL: redis.url } : {}) };
      started.push(await startVigil(`replica-${"ab"[i]}`, env, undefined, `http://127.0.0.1:${port}`));
    }
  }, 120_000);
  afterAll(async () => {
    for (const s of started) await s.stop();
    for (const c of cleanups.reverse()) await c();
  });

  const at = (instance: "a" | "b", url: string, init: RequestInit & { headers: Record<string, string> }) => fetch(url, { ...init, headers: { ...init.headers, "x-vigil-instance": instance } });

  it("refuses at B a DPoP proof A accepted, at the token endpoint and at the API", async () => {
    const agent = await agentWithCredential(base, { allowed_scopes: ["agents:read"] });
    const keys = await generateKeyPair("ES256");
    const proof = await generateProof(keys, `${base}/api/v1/token`, "POST");
    const request = { method: "POST", headers: { ...form, authorization: basic(agent.clientId, agent.secret), dpop: proof }, body: "grant_type=client_credentials" };
    const a = await at("a", `${base}/api/v1/token`, request);
    expect(a.status).toBe(200);
    const { access_token } = (await a.json()) as { access_token: string };
    const b = await at("b", `${base}/api/v1/token`, request);
    expect(b.status).toBe(400);
    expect(await b.json()).toMatchObject({ error: "invalid_dpop_proof", error_description: expect.stringMatching(/used before/) });

    const url = `${base}/api/v1/agents/${agent.id}`;
    const call = { headers: { authorization: `DPoP ${access_token}`, dpop: await generateProof(keys, url, "GET", undefined, access_token) } };
    expect((await at("a", url, call)).status).toBe(200);
    const replayed = await at("b", url, call);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get("www-authenticate")).toMatch(/^DPoP error="invalid_dpop_proof", error_description="[^"]*used before/);
  });

  it("refuses at B a private_key_jwt client assertion A accepted", async () => {
    const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const admin = api(base, await adminToken(base));
    const created = await admin("POST", "/api/v1/agents", agentInput({ jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" }] } }));
    expect(created.status).toBe(201);
    const credential = await admin("POST", `/api/v1/agents/${created.json.id as string}/credentials`, {});
    const clientId = credential.json.client_id as string;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: clientId, sub: clientId, aud: `${base}/api/v1/token`, jti: crypto.randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .sign(privateKey);
    const body = new URLSearchParams({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion }).toString();
    expect((await at("a", `${base}/api/v1/token`, { method: "POST", headers: form, body })).status).toBe(200);
    const again = await at("b", `${base}/api/v1/token`, { method: "POST", headers: form, body });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: "invalid_client" });
  });
});
