import { createHash, randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { calculateThumbprint, generateKeyPair, generateProof, type KeyPair } from "dpop";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, refreshTokens } from "@/drizzle/schema";
import type { Actor } from "@/lib/access/actor";
import { getConfig, setConfig } from "@/lib/config";
import type { PopRequest } from "@/lib/context";
import { UnauthorizedError } from "@/lib/errors";
import { authenticateBearer } from "@/lib/gate/bearer";
import { getMetrics } from "@/lib/observability/metrics";
import { actorWith, ctxFor } from "@/lib/testing/actors";
import { asClient, basic, oauthError } from "@/lib/testing/oauth";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { createAgent } from "../agents/create";
import { decideAuthorization } from "../authorize/decide";
import { tokenHash } from "../authorize/secrets";
import { generateCredential } from "../credentials/generate";
import { introspectToken } from "../tokens/introspect";
import { issueToken } from "../tokens/issue";

const admin = actorWith("admin");
const REDIRECT = "https://agent.example/callback";
const alice: Actor = {
  kind: "user",
  id: "alice",
  scopes: new Set(["delegations:read", "delegations:write"]),
  label: "user:alice@example.com",
  person: { issuer: "https://idp.example", sub: "alice", label: "alice@example.com", scopes: new Set(["invoices:read"]) },
};
let seq = 0;

type Token = { access_token: string; token_type: string; refresh_token?: string };

/** The counter's value for one result, summed over points. */
async function popCount(result: "valid" | "invalid" | "replayed"): Promise<number> {
  const metric = await getMetrics().popValidations.get();
  return metric.values.filter((v) => v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
}

describe.each(testTargets())("DPoP binding (RFC 9449) at the token endpoint and the API on $name", (target) => {
  let t: TestDatabase;
  let key: KeyPair;
  let other: KeyPair;
  let jkt: string;
  const original = getConfig();
  beforeAll(async () => {
    t = await openLikeServer(target);
    [key, other] = await Promise.all([generateKeyPair("ES256"), generateKeyPair("ES256")]);
    jkt = await calculateThumbprint(key.publicKey);
  });
  afterAll(async () => t?.drop());
  afterEach(() => setConfig(original));

  const tokenUrl = () => `${getConfig().issuer}/api/v1/token`;
  const apiUrl = () => `${getConfig().issuer}/api/v1/agents`;

  async function agent(extra: Record<string, unknown> = {}) {
    const made = await createAgent(ctxFor(t.handle.db, admin), {
      name: `dpop ${++seq}`,
      email: `dpop-${seq}-${Math.random().toString(36).slice(2)}@example.com`,
      owner: "platform",
      deployment_env: "prod",
      allowed_scopes: ["agents:read", "invoices:read"],
      redirect_uris: [REDIRECT],
      ...extra,
    });
    const credential = await generateCredential(ctxFor(t.handle.db, admin), { id: made.id });
    const auth = credential.client_secret === null ? null : basic(credential.client_id, credential.client_secret);
    return { id: made.id, clientId: credential.client_id, auth };
  }
  type Agent = Awaited<ReturnType<typeof agent>>;

  const proofFor = (keys: KeyPair, url = tokenUrl(), method = "POST", nonce?: string, accessToken?: string) => generateProof(keys, url, method, nonce, accessToken);
  const atToken = (proof: string | null, method = "POST"): PopRequest => ({ proof, method, url: tokenUrl() });
  const token = (a: Agent, fields: Record<string, string>, pop?: PopRequest) =>
    asClient(t.handle.db, issueToken, "token", a.auth, { ...(a.auth ? {} : { client_id: a.clientId }), ...fields }, pop) as Promise<Token>;
  const clientCredentials = (a: Agent, proof: string | null) => token(a, { grant_type: "client_credentials" }, atToken(proof));
  const refused = (kind: string, agentId: string) =>
    t.handle.db.select().from(auditEvents).where(and(eq(auditEvents.kind, kind), eq(auditEvents.agentId, agentId)));

  describe("token endpoint", () => {
    it("binds a client_credentials token to the proof's key: token_type DPoP, cnf.jkt its RFC 7638 thumbprint, audited and counted", async () => {
      const a = await agent();
      const valid = await popCount("valid");
      const res = await clientCredentials(a, await proofFor(key));
      expect(res.token_type).toBe("DPoP");
      expect(decodeJwt(res.access_token).cnf).toEqual({ jkt });
      expect(await popCount("valid")).toBe(valid + 1);
      const [issued] = await refused("token.issued", a.id);
      expect(issued?.metadata).toMatchObject({ jkt });
      // Without a proof the same agent (dpop: optional) still gets a plain bearer token.
      const plain = await clientCredentials(a, null);
      expect(plain.token_type).toBe("Bearer");
      expect(decodeJwt(plain.access_token).cnf).toBeUndefined();
    });

    type Refusal = { name: string; proof: (a: Agent) => Promise<string | null>; method?: string; dpop?: "required"; says: RegExp; counts: "invalid" | "replayed" };
    const refusals: Refusal[] = [
      { name: "no proof from an agent with dpop: required", proof: async () => null, dpop: "required", says: /must bind its tokens to a key/, counts: "invalid" },
      { name: "a proof for another endpoint (htu)", proof: () => proofFor(key, `${getConfig().issuer}/api/v1/introspect`), says: /htu does not match/, counts: "invalid" },
      { name: "a proof for another host (htu)", proof: () => proofFor(key, "https://evil.example/api/v1/token"), says: /htu does not match/, counts: "invalid" },
      { name: "a proof for another method (htm)", proof: () => proofFor(key, tokenUrl(), "GET"), says: /htm does not match/, counts: "invalid" },
      { name: "two proofs", proof: async () => `${await proofFor(key)}, ${await proofFor(key)}`, says: /more than one/, counts: "invalid" },
      { name: "not a JWT", proof: async () => "not-a-proof", says: /compact serialization/, counts: "invalid" },
      {
        name: "a proof already spent at this endpoint",
        proof: async (a) => {
          const proof = await proofFor(key);
          await clientCredentials(a, proof);
          return proof;
        },
        says: /used before/,
        counts: "replayed",
      },
    ];
    it.each(refusals)("refuses $name with invalid_dpop_proof, counted and audited as pop.refused", async (c) => {
      const a = await agent(c.dpop ? { dpop: c.dpop } : {});
      const before = await popCount(c.counts);
      const error = await oauthError(clientCredentials(a, await c.proof(a)));
      expect(error?.error).toBe("invalid_dpop_proof");
      expect(error?.status).toBe(400);
      expect(error?.description).toMatch(c.says);
      expect(await popCount(c.counts)).toBe(before + 1);
      const events = await refused("pop.refused", a.id);
      expect(events).toHaveLength(1);
      expect(events[0]?.metadata).toMatchObject({ point: "token", error: "invalid_dpop_proof" });
      // The proof itself is never in the log.
      expect(JSON.stringify(events[0]?.metadata)).not.toMatch(/eyJ/);
    });

    it("with DPOP_NONCES: a proof without the server's nonce gets use_dpop_nonce and the nonce; with it, a bound token", async () => {
      setConfig({ ...original, DPOP_NONCES: true });
      const a = await agent({ dpop: "required" });
      const error = await oauthError(clientCredentials(a, await proofFor(key)));
      expect(error?.error).toBe("use_dpop_nonce");
      const nonce = error?.headers["DPoP-Nonce"];
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const stale = await oauthError(clientCredentials(a, await proofFor(key, tokenUrl(), "POST", "not-the-nonce")));
      expect(stale?.error).toBe("use_dpop_nonce");
      const res = await clientCredentials(a, await proofFor(key, tokenUrl(), "POST", nonce));
      expect(res.token_type).toBe("DPoP");
    });

    it("binds a public client's code redemption and its refresh tokens to the key; a refresh without that key's proof is invalid_grant", async () => {
      const a = await agent({ client_type: "public" });
      const verifier = randomBytes(32).toString("base64url");
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      const { redirect_to } = await decideAuthorization(ctxFor(t.handle.db, alice), {
        response_type: "code",
        client_id: a.clientId,
        redirect_uri: REDIRECT,
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "s",
        scope: "invoices:read",
        decision: "approve",
        duration_seconds: 3600,
      });
      const code = new URL(redirect_to).searchParams.get("code") ?? "";
      const first = await token(a, { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier }, atToken(await proofFor(key)));
      expect(first.token_type).toBe("DPoP");
      expect(decodeJwt(first.access_token).cnf).toEqual({ jkt });
      const [row] = await t.handle.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash(first.refresh_token ?? "")));
      expect(row?.dpopJkt).toBe(jkt);

      const refreshWith = (proof: string | null) => token(a, { grant_type: "refresh_token", refresh_token: first.refresh_token ?? "" }, atToken(proof));
      for (const proof of [null, await proofFor(other)]) {
        const error = await oauthError(refreshWith(proof));
        expect(error?.error).toBe("invalid_grant");
        expect(error?.description).toMatch(/bound to a DPoP key/);
      }
      const second = await refreshWith(await proofFor(key));
      expect(second.token_type).toBe("DPoP");
      expect(decodeJwt(second.access_token).cnf).toEqual({ jkt });
      const [next] = await t.handle.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash(second.refresh_token ?? "")));
      expect(next?.dpopJkt).toBe(jkt);
    });

    it("redeems a code requested with dpop_jkt only with a proof by that key (RFC 9449 §10), and refuses a malformed dpop_jkt", async () => {
      const a = await agent();
      const verifier = randomBytes(32).toString("base64url");
      const request = {
        response_type: "code",
        client_id: a.clientId,
        redirect_uri: REDIRECT,
        code_challenge: createHash("sha256").update(verifier).digest("base64url"),
        code_challenge_method: "S256",
        state: "s",
        scope: "invoices:read",
        decision: "approve",
        duration_seconds: 3600,
      };
      const malformed = new URL((await decideAuthorization(ctxFor(t.handle.db, alice), { ...request, dpop_jkt: "not-a-thumbprint" })).redirect_to);
      expect(malformed.searchParams.get("error")).toBe("invalid_request");
      expect(malformed.searchParams.get("error_description")).toMatch(/dpop_jkt/);
      const { redirect_to } = await decideAuthorization(ctxFor(t.handle.db, alice), { ...request, dpop_jkt: jkt });
      const code = new URL(redirect_to).searchParams.get("code") ?? "";
      const redeem = async (proof: string | null) => token(a, { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier }, atToken(proof));
      for (const proof of [null, await proofFor(other)]) {
        const error = await oauthError(redeem(proof));
        expect(error?.error).toBe("invalid_grant");
        expect(error?.description).toMatch(/dpop_jkt/);
      }
      const bound = await redeem(await proofFor(key));
      expect(decodeJwt(bound.access_token).cnf).toEqual({ jkt });
    });

    it("introspection says a bound token is of type DPoP and names its key (RFC 9449 §6.2)", async () => {
      const a = await agent();
      const bound = await clientCredentials(a, await proofFor(key));
      const seen = (await asClient(t.handle.db, introspectToken, "introspect", a.auth, { token: bound.access_token })) as Record<string, unknown>;
      expect(seen).toMatchObject({ active: true, token_type: "DPoP", cnf: { jkt } });
    });
  });

  describe("Vigil's API (a resource server)", () => {
    const at = (proof: string | null, url = apiUrl(), method = "GET") => ({ request: { proof, method, url }, point: "api" as const, audit: { requestId: "r", ip: null, userAgent: null } });
    const call = (authorization: string, pop: ReturnType<typeof at>) =>
      authenticateBearer(t.handle.db, authorization, undefined, undefined, pop).then(
        (actor) => ({ actor }),
        (e: unknown) => {
          if (e instanceof UnauthorizedError) return { challenge: e.challenge, nonce: e.headers["DPoP-Nonce"] };
          throw e;
        },
      );

    it("accepts a bound token under the DPoP scheme with a proof for this request (ath, htm, htu), once per proof", async () => {
      const a = await agent();
      const { access_token } = await clientCredentials(a, await proofFor(key));
      const proof = await proofFor(key, apiUrl(), "GET", undefined, access_token);
      const ok = await call(`DPoP ${access_token}`, at(proof));
      expect("actor" in ok && ok.actor.id).toBe(a.id);
      const replayed = await call(`DPoP ${access_token}`, at(proof));
      expect("challenge" in replayed && replayed.challenge).toMatch(/^DPoP error="invalid_dpop_proof", error_description="[^"]*used before[^"]*", algs="ES256 /);
    });

    type Case = { name: string; authorization: (token: string) => string; proof: (token: string) => Promise<string | null>; url?: string; method?: string; code: string; says: RegExp };
    const cases: Case[] = [
      { name: "a bound token sent as Bearer", authorization: (tk) => `Bearer ${tk}`, proof: (tk) => proofFor(key, apiUrl(), "GET", undefined, tk), code: "invalid_token", says: /bound to a DPoP key/ },
      { name: "the DPoP scheme without a proof", authorization: (tk) => `DPoP ${tk}`, proof: async () => null, code: "invalid_dpop_proof", says: /no DPoP proof/ },
      { name: "a proof without ath", authorization: (tk) => `DPoP ${tk}`, proof: () => proofFor(key, apiUrl(), "GET"), code: "invalid_dpop_proof", says: /needs an ath/ },
      { name: "a proof with the ath of another token", authorization: (tk) => `DPoP ${tk}`, proof: (tk) => proofFor(key, apiUrl(), "GET", undefined, `${tk}x`), code: "invalid_dpop_proof", says: /ath does not match/ },
      { name: "a proof by another key", authorization: (tk) => `DPoP ${tk}`, proof: (tk) => proofFor(other, apiUrl(), "GET", undefined, tk), code: "invalid_dpop_proof", says: /another key/ },
      { name: "a proof for another URL", authorization: (tk) => `DPoP ${tk}`, proof: (tk) => proofFor(key, `${getConfig().issuer}/api/v1/audit`, "GET", undefined, tk), code: "invalid_dpop_proof", says: /htu does not match/ },
      { name: "a proof for another method", authorization: (tk) => `DPoP ${tk}`, proof: (tk) => proofFor(key, apiUrl(), "DELETE", undefined, tk), code: "invalid_dpop_proof", says: /htm does not match/ },
      { name: "the token endpoint's proof", authorization: (tk) => `DPoP ${tk}`, proof: () => proofFor(key), code: "invalid_dpop_proof", says: /htm does not match|htu does not match/ },
    ];
    it.each(cases)("refuses $name with a DPoP challenge ($code), counted", async (c) => {
      const a = await agent();
      const { access_token } = await clientCredentials(a, await proofFor(key));
      const before = await popCount("invalid");
      const res = await call(c.authorization(access_token), at(await c.proof(access_token)));
      expect("challenge" in res).toBe(true);
      const challenge = "challenge" in res ? res.challenge : "";
      expect(challenge).toMatch(new RegExp(`^DPoP error="${c.code}", error_description="[^"]+", algs="[A-Za-z0-9 ]+"`));
      expect(challenge).toMatch(c.says);
      if (c.code === "invalid_dpop_proof") expect(await popCount("invalid")).toBe(before + 1);
    });

    it("refuses an unbound token under the DPoP scheme, and still takes it as Bearer", async () => {
      const a = await agent();
      const { access_token } = await clientCredentials(a, null);
      const asDpop = await call(`DPoP ${access_token}`, at(await proofFor(key, apiUrl(), "GET", undefined, access_token)));
      expect("challenge" in asDpop && asDpop.challenge).toMatch(/^DPoP error="invalid_token", error_description="This token is not bound to a key/);
      const asBearer = await call(`Bearer ${access_token}`, at(null));
      expect("actor" in asBearer && asBearer.actor.id).toBe(a.id);
    });

    it("answers a missing nonce with use_dpop_nonce and the DPoP-Nonce to retry with (DPOP_NONCES)", async () => {
      const a = await agent();
      const { access_token } = await clientCredentials(a, await proofFor(key));
      setConfig({ ...original, DPOP_NONCES: true });
      const res = await call(`DPoP ${access_token}`, at(await proofFor(key, apiUrl(), "GET", undefined, access_token)));
      expect("challenge" in res && res.challenge).toMatch(/^DPoP error="use_dpop_nonce"/);
      const nonce = "nonce" in res ? res.nonce : undefined;
      expect(nonce).toBeTruthy();
      const ok = await call(`DPoP ${access_token}`, at(await proofFor(key, apiUrl(), "GET", nonce, access_token)));
      expect("actor" in ok && ok.actor.id).toBe(a.id);
    });
  });
});
