import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { and, eq } from "drizzle-orm";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { getConfig } from "@/lib/config";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { asClient, basic, oauthError } from "@/lib/testing/oauth";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { createAgent } from "../agents/create";
import { suspendAgent } from "../agents/suspend";
import { updateAgent } from "../agents/update";
import { introspectToken } from "../tokens/introspect";
import { issueToken } from "../tokens/issue";
import { ValidationError } from "@/lib/errors";
import { agentPublishedJwks } from "./published-keys";
import { generateCredential } from "./generate";
import { claimAssertion } from "./client-assertion";
import { ClientAuthError, JWT_BEARER_ASSERTION } from "./presented-client";

const admin = actorWith("admin");
let seq = 0;
type Pair = { privateKey: CryptoKey; jwk: Record<string, unknown> };

async function keyPair(alg: "ES256" | "RS256", kid: string): Promise<Pair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

const now = () => Math.floor(Date.now() / 1000);

/** A client assertion as an agent signs one (RFC 7523 §3); `claims` overrides or removes (undefined) defaults. */
async function assertion(clientId: string, key: CryptoKey | Uint8Array, header: { alg: string; kid?: string }, claims: Partial<Record<keyof JWTPayload, unknown>> = {}) {
  const { issuer } = getConfig();
  const all = { iss: clientId, sub: clientId, aud: `${issuer}/api/v1/token`, jti: randomUUID(), iat: now(), exp: now() + 60, ...claims };
  const payload = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

/** An unsigned JWT (alg none), which jose will not make. */
function unsigned(clientId: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ iss: clientId, sub: clientId, aud: `${getConfig().issuer}/api/v1/token`, jti: randomUUID(), exp: now() + 60 })}.`;
}

const grant = (client_assertion: string, extra: Record<string, string> = {}) => ({
  grant_type: "client_credentials",
  client_assertion_type: JWT_BEARER_ASSERTION,
  client_assertion,
  ...extra,
});

describe.each(testTargets())("private_key_jwt client authentication on $name", (target) => {
  let t: TestDatabase;
  let es: Pair;
  let rs: Pair;
  let stranger: Pair;
  beforeAll(async () => {
    t = await openLikeServer(target);
    [es, rs, stranger] = await Promise.all([keyPair("ES256", "es-1"), keyPair("RS256", "rs-1"), keyPair("ES256", "es-1")]);
  });
  afterAll(async () => t?.drop());

  async function keyedClient(opts: { keys?: Pair[] | null; clientType?: "public" | "confidential" } = {}) {
    const keys = opts.keys === undefined ? [es, rs] : opts.keys;
    const agent = await createAgent(ctxFor(t.handle.db, admin), {
      name: `keyed ${++seq}`,
      email: `keyed-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
      owner: "platform",
      deployment_env: "prod",
      allowed_scopes: ["svc:read"],
      client_type: opts.clientType ?? "confidential",
      ...(keys ? { jwks: { keys: keys.map((k) => k.jwk) } } : {}),
    });
    const credential = await generateCredential(ctxFor(t.handle.db, admin), { id: agent.id });
    return { agentId: agent.id, clientId: credential.client_id, secret: credential.client_secret };
  }
  const token = (fields: Record<string, string>, authorization: string | null = null) => asClient(t.handle.db, issueToken, "token", authorization, fields);
  const audit = (kind: string, agentId: string) =>
    t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, kind), eq(auditEvents.agentId, agentId)));

  it("issues a client_credentials token to a confidential agent signing with ES256, without its secret", async () => {
    const c = await keyedClient();
    const res = await token(grant(await assertion(c.clientId, es.privateKey, { alg: "ES256", kid: "es-1" })));
    expect(decodeJwt(res.access_token)).toMatchObject({ sub: c.agentId, client_id: c.clientId, scope: "svc:read" });
    expect(await audit("token.issued", c.agentId)).toHaveLength(1);
  });

  it("issues to a secretless public agent signing with RS256 (aud = issuer, no kid), while its client_id alone still may not", async () => {
    const c = await keyedClient({ clientType: "public" });
    expect(c.secret).toBeNull();
    const res = await token(grant(await assertion(c.clientId, rs.privateKey, { alg: "RS256" }, { aud: [getConfig().issuer] })));
    expect(decodeJwt(res.access_token)).toMatchObject({ sub: c.agentId, client_id: c.clientId });
    const bare = await oauthError(token({ grant_type: "client_credentials", client_id: c.clientId }));
    expect(bare?.error).toBe("unauthorized_client");
    expect(await audit("token.issued", c.agentId)).toHaveLength(1);
  });

  it("authenticates at introspection with the introspection endpoint as aud", async () => {
    const c = await keyedClient();
    const issued = await token(grant(await assertion(c.clientId, es.privateKey, { alg: "ES256" })));
    const aud = `${getConfig().issuer}/api/v1/introspect`;
    const fields = { token: issued.access_token, client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion(c.clientId, es.privateKey, { alg: "ES256" }, { aud }) };
    expect(await asClient(t.handle.db, introspectToken, "introspect", null, fields)).toMatchObject({ active: true, client_id: c.clientId });
    // The introspection URL names that endpoint only: the token endpoint refuses it.
    const elsewhere = await oauthError(token(grant(await assertion(c.clientId, es.privateKey, { alg: "ES256" }, { aud }))));
    expect(elsewhere?.error).toBe("invalid_client");
  });

  it("stops accepting a key as soon as the agent's keys are removed", async () => {
    const c = await keyedClient();
    await token(grant(await assertion(c.clientId, es.privateKey, { alg: "ES256" })));
    await updateAgent(ctxFor(t.handle.db, admin), { id: c.agentId, jwks: null });
    const error = await oauthError(token(grant(await assertion(c.clientId, es.privateKey, { alg: "ES256" }))));
    expect(error?.error).toBe("invalid_client");
    expect(await audit("token.issued", c.agentId)).toHaveLength(1);
  });

  type Client = Awaited<ReturnType<typeof keyedClient>>;
  type Case = {
    name: string;
    code: "invalid_client" | "invalid_request";
    reason?: string;
    client?: Parameters<typeof keyedClient>[0];
    /** The request; `issued` counts tokens it legitimately got before (a replay's first use). */
    send: (c: Client) => Promise<{ fields: Record<string, string>; authorization?: string; issued?: number; victimId?: string }>;
    before?: (c: Client) => Promise<void>;
  };
  const es256 = (c: Client, claims: Parameters<typeof assertion>[3] = {}, header: { alg: string; kid?: string } = { alg: "ES256", kid: "es-1" }) =>
    assertion(c.clientId, es.privateKey, header, claims);

  const cases: Case[] = [
    { name: "an aud that is not Vigil's", code: "invalid_client", reason: "assertion_aud", send: async (c) => ({ fields: grant(await es256(c, { aud: "https://other-as.example/token" })) }) },
    { name: "an expired assertion", code: "invalid_client", reason: "assertion_expired", send: async (c) => ({ fields: grant(await es256(c, { iat: now() - 200, exp: now() - 100 })) }) },
    { name: "a lifetime over five minutes", code: "invalid_client", reason: "assertion_lifetime", send: async (c) => ({ fields: grant(await es256(c, { exp: now() + 3600 })) }) },
    { name: "a far exp without iat", code: "invalid_client", reason: "assertion_lifetime", send: async (c) => ({ fields: grant(await es256(c, { iat: undefined, exp: now() + 600 })) }) },
    { name: "no exp", code: "invalid_client", reason: "assertion_exp_missing", send: async (c) => ({ fields: grant(await es256(c, { exp: undefined })) }) },
    { name: "no jti", code: "invalid_client", reason: "assertion_jti", send: async (c) => ({ fields: grant(await es256(c, { jti: undefined })) }) },
    {
      name: "a replayed jti (the same assertion twice)",
      code: "invalid_client",
      reason: "assertion_replayed",
      send: async (c) => {
        const once = await es256(c);
        await token(grant(once));
        return { fields: grant(once), issued: 1 };
      },
    },
    {
      name: "iss and sub naming another agent",
      code: "invalid_client",
      reason: "assertion_bad_signature",
      send: async () => {
        const victim = await keyedClient({ keys: [stranger] });
        return { fields: grant(await assertion(victim.clientId, es.privateKey, { alg: "ES256", kid: "es-1" })), victimId: victim.agentId };
      },
    },
    { name: "sub different from iss", code: "invalid_client", reason: "assertion_sub_mismatch", send: async (c) => ({ fields: grant(await es256(c, { sub: randomUUID() })) }) },
    { name: "a key that is not registered (same kid)", code: "invalid_client", reason: "assertion_bad_signature", send: async (c) => ({ fields: grant(await assertion(c.clientId, stranger.privateKey, { alg: "ES256", kid: "es-1" })) }) },
    { name: "a key that is not registered (no kid)", code: "invalid_client", reason: "assertion_bad_signature", send: async (c) => ({ fields: grant(await assertion(c.clientId, stranger.privateKey, { alg: "ES256" })) }) },
    { name: "alg none", code: "invalid_client", reason: "assertion_alg", send: async (c) => ({ fields: grant(unsigned(c.clientId)) }) },
    {
      name: "HS256 keyed with the client's own secret",
      code: "invalid_client",
      reason: "assertion_alg",
      send: async (c) => ({ fields: grant(await assertion(c.clientId, new TextEncoder().encode(c.secret ?? "s"), { alg: "HS256" })) }),
    },
    { name: "a kid that is not registered", code: "invalid_client", reason: "assertion_unknown_key", send: async (c) => ({ fields: grant(await es256(c, {}, { alg: "ES256", kid: "es-2" })) }) },
    {
      name: "a suspended agent",
      code: "invalid_client",
      reason: "agent_suspended",
      before: async (c) => void (await suspendAgent(ctxFor(t.handle.db, admin), { id: c.agentId })),
      send: async (c) => ({ fields: grant(await es256(c)) }),
    },
    { name: "an agent without keys", code: "invalid_client", reason: "assertion_no_keys", client: { keys: null }, send: async (c) => ({ fields: grant(await es256(c)) }) },
    { name: "an assertion plus client_secret", code: "invalid_request", send: async (c) => ({ fields: grant(await es256(c), { client_id: c.clientId, client_secret: c.secret ?? "" }) }) },
    { name: "an assertion plus Basic", code: "invalid_request", send: async (c) => ({ fields: grant(await es256(c)), authorization: basic(c.clientId, c.secret ?? "") }) },
    { name: "another client_id in the body", code: "invalid_client", reason: "assertion_client_id_mismatch", send: async (c) => ({ fields: grant(await es256(c), { client_id: "someone-else" }) }) },
    { name: "another client_assertion_type", code: "invalid_request", send: async (c) => ({ fields: grant(await es256(c), { client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer" }) }) },
    { name: "a malformed assertion", code: "invalid_client", reason: "malformed_assertion", send: async () => ({ fields: grant("not.a.jwt") }) },
  ];

  it.each(cases)("refuses $name with $code and issues nothing", async (c) => {
    const client = await keyedClient(c.client);
    await c.before?.(client);
    const { fields, authorization, issued = 0, victimId } = await c.send(client);
    const failures = async () => (await t.handle.db.select().from(auditEvents).where(eq(auditEvents.kind, "auth.failed"))).filter((e) => (e.metadata as { reason?: string }).reason === c.reason);
    const before = (await failures()).length;
    const error = await oauthError(token(fields, authorization ?? null));
    expect(error?.error).toBe(c.code);
    if (c.code === "invalid_client") expect(error?.status).toBe(401);
    expect(error?.description).not.toContain(fields.client_assertion);
    expect(await audit("token.issued", client.agentId)).toHaveLength(issued);
    if (victimId) expect(await audit("token.issued", victimId)).toHaveLength(0);
    if (c.reason) {
      // Audited as a refused client authentication, naming the reason and never the assertion.
      const after = await failures();
      expect(after).toHaveLength(before + 1);
      for (const e of after) expect(JSON.stringify(e)).not.toContain(fields.client_assertion);
    }
  });
});

describe("claiming an assertion's jti", () => {
  const refuse = (reason: string, description: string) => new ClientAuthError(reason, "c", null, description);
  it("fails closed (503 temporarily_unavailable) when the replay cache cannot answer", async () => {
    const down = { claim: () => Promise.reject(new Error("connection refused")) };
    const error = await oauthError(claimAssertion(down, "c", { jti: "j", exp: now() + 60 }, 30, refuse));
    expect(error).toMatchObject({ error: "temporarily_unavailable", status: 503 });
  });
});

describe.each(testTargets())("private_key_jwt with keys published at a jwks_uri on $name", (target) => {
  let t: TestDatabase;
  let server: Server;
  let base = "";
  // What the agent's JWKS endpoint serves right now, by path.
  const published = new Map<string, string>();
  beforeAll(async () => {
    t = await openLikeServer(target);
    server = createServer((req, res) => {
      const body = published.get(req.url ?? "");
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(body);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server?.close();
    await t?.drop();
  });

  async function publishing(path: string, keys: Pair[]) {
    published.set(path, JSON.stringify({ keys: keys.map((k) => ({ ...k.jwk, use: "sig" })) }));
    const agent = await createAgent(ctxFor(t.handle.db, admin), {
      name: `published ${++seq}`,
      email: `published-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
      owner: "platform",
      deployment_env: "prod",
      allowed_scopes: ["svc:read"],
      jwks_uri: `${base}${path}`,
    });
    const credential = await generateCredential(ctxFor(t.handle.db, admin), { id: agent.id, secret: false });
    return { agentId: agent.id, clientId: credential.client_id };
  }
  const token = (fields: Record<string, string>) => asClient(t.handle.db, issueToken, "token", null, fields);

  it("verifies assertions with the keys the agent publishes, without a secret", async () => {
    const key = await keyPair("ES256", "pub-1");
    const c = await publishing(`/jwks-${++seq}`, [key]);
    const res = await token(grant(await assertion(c.clientId, key.privateKey, { alg: "ES256", kid: "pub-1" })));
    expect(decodeJwt(res.access_token).sub).toBe(c.agentId);
    const other = await keyPair("ES256", "pub-1");
    expect(await oauthError(token(grant(await assertion(c.clientId, other.privateKey, { alg: "ES256", kid: "pub-1" }))))).toMatchObject({ error: "invalid_client" });
  });

  it("follows a rotation: a new kid fetches the keys again (at most once per cooldown), a dropped key stops working", async () => {
    const path = `/rotating-${++seq}`;
    const first = await keyPair("ES256", "r-1");
    const next = await keyPair("ES256", "r-2");
    published.set(path, JSON.stringify({ keys: [first.jwk] }));
    const uri = `${base}${path}`;
    const now = { freshMs: 60_000, cooldownMs: 0 };
    expect((await agentPublishedJwks(uri, "r-1", now))?.keys.map((k) => k.kid)).toEqual(["r-1"]);
    published.set(path, JSON.stringify({ keys: [next.jwk] }));
    // Within the cooldown an unknown kid does not refetch; after it, it does.
    expect((await agentPublishedJwks(uri, "r-2", { freshMs: 60_000, cooldownMs: 60_000 }))?.keys.map((k) => k.kid)).toEqual(["r-1"]);
    expect((await agentPublishedJwks(uri, "r-2", now))?.keys.map((k) => k.kid)).toEqual(["r-2"]);
  });

  it("keeps the keys it holds when the publisher fails or serves something too large, and takes only usable public keys", async () => {
    const path = `/flaky-${++seq}`;
    const key = await keyPair("ES256", "f-1");
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: "leaked" };
    published.set(path, JSON.stringify({ keys: [key.jwk, privateJwk, { kty: "oct", k: "c2VjcmV0", kid: "shared" }, { ...key.jwk, kid: "enc", use: "enc" }] }));
    const uri = `${base}${path}`;
    const now = { freshMs: 0, cooldownMs: 0 };
    expect((await agentPublishedJwks(uri, undefined, now))?.keys.map((k) => k.kid)).toEqual(["f-1"]);
    published.set(path, JSON.stringify({ keys: [key.jwk], padding: "x".repeat(70 * 1024) }));
    expect((await agentPublishedJwks(uri, undefined, now))?.keys.map((k) => k.kid)).toEqual(["f-1"]);
    published.delete(path);
    expect((await agentPublishedJwks(uri, undefined, now))?.keys.map((k) => k.kid)).toEqual(["f-1"]);
    expect(await agentPublishedJwks(`${base}/never-published-${++seq}`, undefined, now)).toBeNull();
  });

  it("takes keys inline or by URL, never both, and only an https URL (http on loopback)", async () => {
    const base_ = { name: "k", owner: "o", deployment_env: "prod" };
    const create = (extra: Record<string, unknown>) => createAgent(ctxFor(t.handle.db, admin), { ...base_, email: `k-${++seq}@example.com`, ...extra });
    const key = await keyPair("ES256", "x-1");
    await expect(create({ jwks: { keys: [key.jwk] }, jwks_uri: `${base}/x` })).rejects.toBeInstanceOf(ValidationError);
    await expect(create({ jwks_uri: "http://keys.example.com/jwks" })).rejects.toBeInstanceOf(ValidationError);
    const agent = await create({ jwks_uri: "https://keys.example.com/jwks" });
    await expect(updateAgent(ctxFor(t.handle.db, admin), { id: agent.id, jwks: { keys: [key.jwk] } })).rejects.toBeInstanceOf(ValidationError);
    expect(await updateAgent(ctxFor(t.handle.db, admin), { id: agent.id, jwks: { keys: [key.jwk] }, jwks_uri: null })).toMatchObject({ jwks_uri: null, jwks: { keys: [expect.objectContaining({ kid: "x-1" })] } });
  });
});
