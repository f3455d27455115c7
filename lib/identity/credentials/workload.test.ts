import { createServer, type Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/drizzle/schema";
import { getConfig, setConfig } from "@/lib/config";
import { ConflictError, ValidationError } from "@/lib/errors";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { asClient, oauthError } from "@/lib/testing/oauth";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { createAgent } from "../agents/create";
import { suspendAgent } from "../agents/suspend";
import { updateAgent } from "../agents/update";
import { issueToken } from "../tokens/issue";
import { generateCredential } from "./generate";
import { JWT_BEARER_ASSERTION } from "./presented-client";

const admin = actorWith("admin");
const DOMAIN = "example.org";
const K8S = "https://k8s.cluster.example";
let seq = 0;

type Key = { privateKey: CryptoKey; jwk: JWK };
async function key(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
}

/**
 * A SPIFFE trust bundle as SPIRE writes it (`spire-server bundle show -format spiffe`): X.509
 * authorities (use x509-svid, with their certificate chain) and JWT authorities (use
 * jwt-svid) side by side, with spiffe_sequence and spiffe_refresh_hint. Vigil reads only the
 * JWT authorities; the X.509 entry's certificate is a placeholder it never parses.
 */
function spireBundle(jwtAuthorities: Key[], x509Authority: Key, sequence: number): string {
  return JSON.stringify({
    keys: [
      { ...x509Authority.jwk, use: "x509-svid", x5c: [Buffer.from("placeholder certificate").toString("base64")] },
      ...jwtAuthorities.map((k) => ({ ...k.jwk, use: "jwt-svid" })),
    ],
    spiffe_refresh_hint: 300,
    spiffe_sequence: sequence,
  });
}

describe.each(testTargets())("workload identity federation (SPIFFE JWT-SVIDs, OIDC workload issuers) on $name", (target) => {
  let t: TestDatabase;
  let dir: string;
  let jwtAuthority: Key;
  let x509Authority: Key;
  let stranger: Key;
  let k8sKey: Key;
  let jwks: Server;
  const original = getConfig();
  const bundleFile = () => path.join(dir, "bundle.spiffe.json");

  beforeAll(async () => {
    t = await openLikeServer(target);
    dir = mkdtempSync(path.join(tmpdir(), "vigil-spire-"));
    [jwtAuthority, x509Authority, stranger, k8sKey] = await Promise.all([key("jwt-1"), key("x509-1"), key("jwt-1"), key("sa-1")]);
    writeFileSync(bundleFile(), spireBundle([jwtAuthority], x509Authority, 1));
    // The Kubernetes service-account issuer's JWKS, served over HTTP as the API server does.
    jwks = createServer((_, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [{ ...k8sKey.jwk, use: "sig", alg: "ES256" }] })));
    jwks.listen(0, "127.0.0.1");
    await once(jwks, "listening");
    const port = (jwks.address() as { port: number }).port;
    setConfig({
      ...original,
      WORKLOAD_ISSUERS: [
        { name: "spire", spiffe_trust_domain: DOMAIN, jwks_file: bundleFile() },
        { name: "k8s", issuer: K8S, jwks_uri: `http://127.0.0.1:${port}/openid/v1/jwks` },
      ],
    });
  });
  afterAll(async () => {
    setConfig(original);
    jwks?.close();
    await t?.drop();
  });

  const tokenUrl = () => `${getConfig().issuer}/api/v1/token`;
  const now = () => Math.floor(Date.now() / 1000);

  /** A JWT-SVID as SPIRE's workload API hands one out: sub the SPIFFE ID, aud, exp, iat; kid of a JWT authority. */
  const svid = (signer: Key, sub: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({ sub, aud: [tokenUrl()], iat: now(), exp: now() + 300, ...claims }).setProtectedHeader({ alg: "ES256", kid: signer.jwk.kid, typ: "JWT", ...header }).sign(signer.privateKey);

  async function boundAgent(issuer: string, subject: string) {
    const agent = await createAgent(ctxFor(t.handle.db, admin), {
      name: `workload ${++seq}`,
      email: `workload-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
      owner: "platform",
      deployment_env: "prod",
      allowed_scopes: ["svc:read"],
      workload_identity: { issuer, subject },
    });
    const credential = await generateCredential(ctxFor(t.handle.db, admin), { id: agent.id, secret: false });
    expect(credential.client_secret).toBeNull();
    return { id: agent.id, clientId: credential.client_id };
  }
  const spiffeId = () => `spiffe://${DOMAIN}/ns/agents/sa/billing-bot-${++seq}`;
  const present = (assertion: string, extra: Record<string, string> = {}) =>
    asClient(t.handle.db, issueToken, "token", null, { grant_type: "client_credentials", client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion, ...extra });
  const failures = (agentOrClient: { clientId?: string }, reason: string) =>
    t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, "auth.failed"), eq(auditEvents.outcome, "failure"))).then((rows) => rows.filter((r) => (r.metadata as { reason?: string }).reason === reason && (!agentOrClient.clientId || r.clientId === agentOrClient.clientId)));

  it("issues a token to the agent bound to a JWT-SVID's SPIFFE ID, which holds no secret", async () => {
    const subject = spiffeId();
    const agent = await boundAgent("spire", subject);
    const res = await present(await svid(jwtAuthority, subject));
    expect(decodeJwt(res.access_token)).toMatchObject({ sub: agent.id, client_id: agent.clientId, scope: "svc:read" });
    // The same SVID again: SPIRE hands a workload one SVID until it nears expiry.
    expect((await present(await svid(jwtAuthority, subject), { client_id: agent.clientId })).access_token).toBeTruthy();
  });

  it("issues a token for a Kubernetes service-account token from the OIDC workload issuer (keys from its JWKS URL)", async () => {
    const subject = `system:serviceaccount:agents:billing-${++seq}`;
    const agent = await boundAgent("k8s", subject);
    const sa = await new SignJWT({ iss: K8S, sub: subject, aud: [getConfig().issuer], iat: now(), exp: now() + 600 }).setProtectedHeader({ alg: "ES256", kid: "sa-1" }).sign(k8sKey.privateKey);
    expect(decodeJwt((await present(sa)).access_token)).toMatchObject({ sub: agent.id });
  });

  type Refusal = { name: string; assertion: (subject: string, other: { clientId: string }) => Promise<string>; extra?: (other: { clientId: string }) => Record<string, string>; reason: string; says: RegExp };
  const refusals: Refusal[] = [
    { name: "an audience other than Vigil", assertion: (s) => svid(jwtAuthority, s, { aud: ["https://elsewhere.example"] }), reason: "workload_aud_invalid", says: /aud claim/ },
    { name: "an expired SVID", assertion: (s) => svid(jwtAuthority, s, { iat: now() - 900, exp: now() - 300 }), reason: "workload_token_expired", says: /expired/ },
    { name: "no exp", assertion: (s) => svid(jwtAuthority, s, { exp: undefined }), reason: "workload_exp_invalid", says: /exp claim/ },
    { name: "a lifetime past WORKLOAD_MAX_TOKEN_SECONDS", assertion: (s) => svid(jwtAuthority, s, { exp: now() + 7200 }), reason: "workload_token_too_long_lived", says: /more than 3600 seconds/ },
    { name: "a signature by the bundle's X.509 authority", assertion: (s) => svid(x509Authority, s), reason: "workload_unknown_key", says: /No key of spire/ },
    { name: "a signature by a stranger's key with a known kid", assertion: (s) => svid(stranger, s), reason: "workload_bad_signature", says: /does not verify/ },
    {
      name: "alg HS256",
      assertion: (s) => new SignJWT({ sub: s, aud: [tokenUrl()], exp: now() + 60 }).setProtectedHeader({ alg: "HS256", kid: "jwt-1" }).sign(new TextEncoder().encode("a shared secret of thirty-two bytes!")),
      reason: "workload_alg_not_allowed",
      says: /asymmetric only/,
    },
    { name: "a SPIFFE ID of an untrusted trust domain", assertion: () => svid(jwtAuthority, "spiffe://evil.example/ns/agents/sa/billing-bot"), reason: "untrusted_issuer", says: /does not trust/ },
    { name: "an OIDC issuer Vigil does not trust", assertion: () => new SignJWT({ iss: "https://ci.evil.example", sub: "repo:acme/billing:ref:refs/heads/main", aud: [tokenUrl()], exp: now() + 60 }).setProtectedHeader({ alg: "ES256", kid: "sa-1" }).sign(k8sKey.privateKey), reason: "untrusted_issuer", says: /does not trust/ },
    { name: "a SPIFFE ID no agent is bound to", assertion: () => svid(jwtAuthority, `spiffe://${DOMAIN}/ns/agents/sa/nobody`), reason: "workload_subject_unbound", says: /No active agent credential/ },
    { name: "a client_id of another agent", assertion: (s) => svid(jwtAuthority, s), extra: (other) => ({ client_id: other.clientId }), reason: "workload_subject_unbound", says: /with that client_id/ },
  ];
  it.each(refusals)("refuses $name with invalid_client, audited with its reason", async (c) => {
    const subject = spiffeId();
    await boundAgent("spire", subject);
    const other = await boundAgent("spire", spiffeId());
    const before = (await failures({}, c.reason)).length;
    const error = await oauthError(present(await c.assertion(subject, other), c.extra?.(other)));
    expect(error?.error).toBe("invalid_client");
    expect(error?.status).toBe(401);
    expect(error?.description).toMatch(c.says);
    expect((await failures({}, c.reason)).length).toBe(before + 1);
  });

  it("refuses the SVID of a suspended agent", async () => {
    const subject = spiffeId();
    const agent = await boundAgent("spire", subject);
    await suspendAgent(ctxFor(t.handle.db, admin), { id: agent.id });
    expect(await oauthError(present(await svid(jwtAuthority, subject)))).toMatchObject({ error: "invalid_client" });
  });

  it("picks up a rotated bundle without a restart: the new JWT authority verifies, the removed one no longer does", async () => {
    const subject = spiffeId();
    await boundAgent("spire", subject);
    const next = await key("jwt-2");
    writeFileSync(bundleFile(), spireBundle([next], x509Authority, 2));
    const deadline = Date.now() + 10_000;
    // The file is looked at once a second at most: poll until the new authority is in.
    for (;;) {
      const error = await oauthError(present(await svid(next, subject)));
      if (error === null) break;
      if (Date.now() > deadline) throw new Error(`the rotated bundle was not picked up: ${error.description}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await oauthError(present(await svid(jwtAuthority, subject)))).toMatchObject({ error: "invalid_client", description: expect.stringMatching(/No key of spire/) });
    jwtAuthority = next;
  });

  it("validates an agent's workload identity against the configured issuers, once per subject", async () => {
    const base = { name: "x", owner: "o", deployment_env: "prod" };
    const create = (workload_identity: unknown) => createAgent(ctxFor(t.handle.db, admin), { ...base, email: `w-${++seq}@example.com`, workload_identity });
    await expect(create({ issuer: "nobody", subject: spiffeId() })).rejects.toSatisfy((e) => e instanceof ValidationError && JSON.stringify(e.fields).includes("configured workload issuers: spire, k8s"));
    await expect(create({ issuer: "spire", subject: "spiffe://evil.example/x" })).rejects.toSatisfy((e) => e instanceof ValidationError && JSON.stringify(e.fields).includes(`a SPIFFE ID in ${DOMAIN}`));
    const subject = spiffeId();
    const first = await create({ issuer: "spire", subject });
    await expect(create({ issuer: "spire", subject })).rejects.toBeInstanceOf(ConflictError);
    // Removing the binding frees the subject.
    expect(await updateAgent(ctxFor(t.handle.db, admin), { id: first.id, workload_identity: null })).toMatchObject({ workload_identity: null });
    expect(await create({ issuer: "spire", subject })).toMatchObject({ workload_identity: { issuer: "spire", subject } });
  });

  it("gives a credential without a secret only to an agent that can prove itself otherwise", async () => {
    const plain = await createAgent(ctxFor(t.handle.db, admin), { name: "p", email: `p-${++seq}@example.com`, owner: "o", deployment_env: "prod" });
    await expect(generateCredential(ctxFor(t.handle.db, admin), { id: plain.id, secret: false })).rejects.toBeInstanceOf(ConflictError);
    const withSecret = await generateCredential(ctxFor(t.handle.db, admin), { id: plain.id });
    expect(withSecret.client_secret).toMatch(/\S{20,}/);
  });
});
