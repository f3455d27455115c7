import { and, eq } from "drizzle-orm";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { ValidationError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { createAgent } from "./create";
import { getAgent } from "./get";
import { updateAgent } from "./update";

const writer = actorWith("agents:write", "agents:read");
let seq = 0;
const newAgent = (extra: Record<string, unknown> = {}) => ({
  name: `keyed agent ${++seq}`,
  email: `keyed-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
  owner: "platform",
  deployment_env: "prod",
  allowed_scopes: ["svc:read"],
  ...extra,
});

async function publicJwk(alg: "ES256" | "RS256" | "EdDSA", kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { pub: { ...(await exportJWK(publicKey)), kid, alg }, priv: { ...(await exportJWK(privateKey)), kid, alg } };
}

describe.each(testTargets())("agent client keys (jwks) on $name", (target) => {
  let t: TestDatabase;
  let es: Awaited<ReturnType<typeof publicJwk>>;
  let rs: Awaited<ReturnType<typeof publicJwk>>;
  let ed: Awaited<ReturnType<typeof publicJwk>>;
  beforeAll(async () => {
    t = await target.open();
    [es, rs, ed] = await Promise.all([publicJwk("ES256", "es-1"), publicJwk("RS256", "rs-1"), publicJwk("EdDSA", "ed-1")]);
  });
  afterAll(async () => t?.drop());
  const ctx = () => ctxFor(t.handle.db, writer);

  it("registers keys on create, shows them in the agent's view, and audits their kids", async () => {
    const agent = await createAgent(ctx(), newAgent({ jwks: { keys: [es.pub, rs.pub, ed.pub] } }));
    expect(agent.jwks?.keys.map((k) => k.kid)).toEqual(["es-1", "rs-1", "ed-1"]);
    expect((await getAgent(ctx(), { id: agent.id })).jwks).toEqual({ keys: [es.pub, rs.pub, ed.pub] });
    const [event] = await t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.agentId, agent.id), eq(auditEvents.kind, "agent.created")));
    expect(event?.metadata).toMatchObject({ jwks_kids: ["es-1", "rs-1", "ed-1"] });
    expect((await createAgent(ctx(), newAgent())).jwks).toBeNull();
  });

  it("sets, replaces and removes keys on update, each change audited", async () => {
    const agent = await createAgent(ctx(), newAgent());
    expect((await updateAgent(ctx(), { id: agent.id, jwks: { keys: [es.pub] } })).jwks).toEqual({ keys: [es.pub] });
    expect((await updateAgent(ctx(), { id: agent.id, jwks: null })).jwks).toBeNull();
    const events = await t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.agentId, agent.id), eq(auditEvents.kind, "agent.updated"))).orderBy(auditEvents.id);
    expect(events.map((e) => e.metadata)).toEqual([
      { changes: { jwks: { from: null, to: { keys: [es.pub] } } } },
      { changes: { jwks: { from: { keys: [es.pub] }, to: null } } },
    ]);
  });

  const refusals: [string, () => unknown, RegExp][] = [
    ["a private key", () => ({ keys: [es.priv] }), /jwks\.keys\.0: a public key only: remove the private member d/],
    ["an RSA private key", () => ({ keys: [rs.priv] }), /remove the private members d, p, q, dp, dq, qi/],
    ["a symmetric key", () => ({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "h", alg: "HS256" }] }), /private member k/],
    ["no keys", () => ({ keys: [] }), /at least one key/],
    ["eleven keys", () => ({ keys: Array.from({ length: 11 }, (_, i) => ({ ...es.pub, kid: `k${i}` })) }), /at most 10 keys/],
    ["a repeated kid", () => ({ keys: [es.pub, { ...rs.pub, kid: "es-1" }] }), /kids must not repeat/],
    ["a key without kid", () => ({ keys: [{ ...es.pub, kid: undefined }] }), /jwks\.keys\.0\.kid/],
    ["an alg the kty cannot sign", () => ({ keys: [{ ...es.pub, alg: "RS256" }] }), /an EC key's alg is ES256/],
    ["alg none", () => ({ keys: [{ ...rs.pub, alg: "none" }] }), /an RSA key's alg is RS256 or PS256/],
    ["an unknown kty", () => ({ keys: [{ kty: "oct", kid: "x", alg: "HS256" }] }), /kty is EC, RSA or OKP/],
    ["a short RSA modulus", () => ({ keys: [{ ...rs.pub, n: "AQAB" }] }), /2048 bits or more/],
    ["a point off the curve", () => ({ keys: [{ ...es.pub, y: es.pub.x }] }), /jwks\.keys\.0: key es-1 is not a valid ES256 public key/],
    ["unknown members", () => ({ keys: [{ ...es.pub, x5u: "https://evil.example/cert" }] }), /unknown field/],
    ["jwks_uri-like input", () => ({ keys: [es.pub], jwks_uri: "https://agent.example/jwks" }), /unknown field/],
  ];

  it.each(refusals)("refuses %s at registration and on update", async (_name, jwks, message) => {
    const create = createAgent(ctx(), newAgent({ jwks: jwks() }));
    await expect(create).rejects.toBeInstanceOf(ValidationError);
    await expect(create).rejects.toThrow(message);
    const agent = await createAgent(ctx(), newAgent());
    await expect(updateAgent(ctx(), { id: agent.id, jwks: jwks() })).rejects.toThrow(message);
    expect((await getAgent(ctx(), { id: agent.id })).jwks).toBeNull();
  });
});
