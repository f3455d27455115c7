import { createHash } from "node:crypto";
import { calculateThumbprint, generateKeyPair, generateProof, type KeyPair } from "dpop";
import { exportJWK, SignJWT, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { DpopProofError } from "./errors";
import { dpopPolicy, type DpopPolicy } from "./policy";
import { verifyDpopProof, type DpopProofRequest } from "./verify-proof";

const URL_ = "https://vigil.example.com/api/v1/token";
const TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJl";
const NOW = Date.UTC(2030, 0, 1, 12);
const policy: DpopPolicy = { algorithms: ["ES256", "RS256", "PS256", "EdDSA", "Ed25519"], maxAgeSeconds: 300, clockSkewSeconds: 5, now: () => NOW };
const nowSeconds = Math.floor(NOW / 1000);
const b64u = (value: object | string) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const ath = (token: string) => createHash("sha256").update(token).digest("base64url");

let agent: KeyPair;
let other: KeyPair;
let publicJwk: JWK;
let privateJwk: JWK;

beforeAll(async () => {
  agent = await generateKeyPair("ES256", { extractable: true });
  other = await generateKeyPair("ES256");
  publicJwk = await exportJWK(agent.publicKey);
  privateJwk = await exportJWK(agent.privateKey);
});

/** A proof as an agent makes it, with panva's dpop package (its iat is the real clock: moved to NOW by the policy). */
const agentProof = (keys: KeyPair, htu = URL_, htm = "POST", nonce?: string, accessToken?: string) => generateProof(keys, htu, htm, nonce, accessToken);
const realNow: DpopPolicy = { ...policy, now: () => Date.now() };

type Shape = { header?: Record<string, unknown>; claims?: Record<string, unknown>; key?: CryptoKey };
/** A proof the dpop package refuses to make, signed with jose (ES256 with the agent's key unless told). */
async function craft({ header = {}, claims = {}, key }: Shape = {}): Promise<string> {
  const base = { iat: nowSeconds, jti: crypto.randomUUID(), htm: "POST", htu: URL_ };
  const protectedHeader = { alg: "ES256", typ: "dpop+jwt", jwk: publicJwk, ...header };
  const payload = Object.fromEntries(Object.entries({ ...base, ...claims }).filter(([, v]) => v !== undefined));
  return new SignJWT(payload).setProtectedHeader(protectedHeader as never).sign(key ?? agent.privateKey);
}
/** A JWS with any header and a signature of junk (for algs jose will not sign with, or headers that fail earlier). */
const unsigned = (header: Record<string, unknown>) =>
  `${b64u({ typ: "dpop+jwt", jwk: publicJwk, ...header })}.${b64u({ iat: nowSeconds, jti: "j", htm: "POST", htu: URL_ })}.${b64u("not a signature")}`;

type Case = {
  name: string;
  proof: () => Promise<string | string[]>;
  request?: Partial<DpopProofRequest>;
  with?: DpopPolicy;
  code?: "invalid_dpop_proof" | "use_dpop_nonce";
  says: RegExp;
};

const refusals: Case[] = [
  { name: "no DPoP header", proof: async () => [], says: /no DPoP proof/ },
  { name: "two DPoP headers", proof: async () => [await craft(), await craft()], says: /more than one/ },
  { name: "two proofs joined in one header value", proof: async () => `${await craft()}, ${await craft()}`, says: /more than one/ },
  { name: "not a JWT", proof: async () => "definitely-not-a-jwt", says: /compact serialization/ },
  { name: "unsigned (alg none, empty signature)", proof: async () => `${b64u({ alg: "none", typ: "dpop+jwt", jwk: publicJwk })}.${b64u({ jti: "j" })}.`, says: /compact serialization/ },
  { name: "header is not JSON", proof: async () => `${b64u("{nope")}.${b64u({})}.${b64u("sig")}`, says: /header is not valid JSON/ },
  { name: "wrong typ", proof: () => craft({ header: { typ: "JWT" } }), says: /typ header must be "dpop\+jwt"/ },
  { name: "no typ", proof: () => craft({ header: { typ: undefined } }), says: /typ header/ },
  { name: "typ of an access token", proof: () => craft({ header: { typ: "at+jwt" } }), says: /typ header/ },
  { name: "alg none", proof: async () => unsigned({ alg: "none" }), says: /alg must be one of/ },
  { name: "HS256 with a public jwk", proof: async () => unsigned({ alg: "HS256" }), says: /alg must be one of/ },
  { name: "HS256 with a symmetric jwk", proof: async () => unsigned({ alg: "HS256", jwk: { kty: "oct", k: b64u("shared secret") } }), says: /alg must be one of/ },
  { name: "HS256 even when configured", proof: async () => unsigned({ alg: "HS256" }), with: { ...policy, algorithms: [...policy.algorithms, "HS256"] }, says: /alg must be one of/ },
  { name: "an alg outside the configured list", proof: () => craft(), with: { ...policy, algorithms: ["RS256"] }, says: /alg must be one of RS256/ },
  { name: "missing jwk", proof: () => craft({ header: { jwk: undefined } }), says: /carries no jwk/ },
  { name: "jwk that is not an object", proof: () => craft({ header: { jwk: "key" } }), says: /carries no jwk/ },
  { name: "jwk with its private part (d)", proof: () => craft({ header: { jwk: privateJwk } }), says: /must be a public key/ },
  ...(["p", "q", "dp", "dq", "qi", "k"] as const).map((member) => ({
    name: `jwk with private member ${member}`,
    proof: () => craft({ header: { jwk: { ...publicJwk, [member]: b64u("secret") } } }),
    says: /must be a public key/,
  })),
  { name: "symmetric jwk (kty oct)", proof: () => craft({ header: { jwk: { kty: "oct", k: b64u("secret") } } }), says: /must be a public key/ },
  { name: "jwk of another type than alg", proof: () => craft({ header: { jwk: { kty: "RSA", n: b64u("n"), e: "AQAB" } } }), says: /not a valid JWT signed with its jwk/ },
  { name: "signed by another key", proof: () => craft({ key: other.privateKey }), says: /signature does not verify/ },
  {
    name: "signature bytes altered",
    proof: async () => {
      const [h, p, s = ""] = (await craft()).split(".");
      return `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`;
    },
    says: /signature does not verify/,
  },
  {
    name: "claims altered after signing",
    proof: async () => {
      const [h, , s] = (await craft()).split(".");
      return `${h}.${b64u({ iat: nowSeconds, jti: "j", htm: "DELETE", htu: URL_ })}.${s}`;
    },
    says: /signature does not verify/,
  },
  { name: "missing jti", proof: () => craft({ claims: { jti: undefined } }), says: /needs a jti/ },
  { name: "empty jti", proof: () => craft({ claims: { jti: "" } }), says: /needs a jti/ },
  { name: "jti that is not a string", proof: () => craft({ claims: { jti: 42 } }), says: /needs a jti/ },
  { name: "jti longer than the bound", proof: () => craft({ claims: { jti: "x".repeat(257) } }), says: /at most 256/ },
  { name: "htm of another method", proof: () => agentProof(agent, URL_, "GET"), with: realNow, says: /htm does not match/ },
  { name: "htm in lower case", proof: () => craft({ claims: { htm: "post" } }), says: /htm does not match/ },
  { name: "htu of another path", proof: () => agentProof(agent, "https://vigil.example.com/api/v1/introspect"), with: realNow, says: /htu does not match/ },
  { name: "htu of another host", proof: () => agentProof(agent, "https://evil.example.com/api/v1/token"), with: realNow, says: /htu does not match/ },
  { name: "htu of another scheme", proof: () => agentProof(agent, "http://vigil.example.com/api/v1/token"), with: realNow, says: /htu does not match/ },
  { name: "htu of another port", proof: () => agentProof(agent, "https://vigil.example.com:8443/api/v1/token"), with: realNow, says: /htu does not match/ },
  { name: "htu that is not a URL", proof: () => craft({ claims: { htu: "/api/v1/token" } }), says: /htu does not match/ },
  { name: "missing htu", proof: () => craft({ claims: { htu: undefined } }), says: /htu does not match/ },
  { name: "stale iat", proof: () => craft({ claims: { iat: nowSeconds - 301 } }), says: /older than 300 seconds/ },
  { name: "future iat", proof: () => craft({ claims: { iat: nowSeconds + 60 } }), says: /in the future/ },
  { name: "missing iat", proof: () => craft({ claims: { iat: undefined } }), says: /needs an iat/ },
  { name: "iat that is not a number", proof: () => craft({ claims: { iat: "now" } }), says: /iat claim is invalid/ },
  { name: "expired exp", proof: () => craft({ claims: { exp: nowSeconds - 60 } }), says: /exp claim is invalid/ },
  { name: "missing ath with an access token", proof: () => craft(), request: { accessToken: TOKEN }, says: /needs an ath/ },
  { name: "ath of another token", proof: () => craft({ claims: { ath: ath(`${TOKEN}x`) } }), request: { accessToken: TOKEN }, says: /ath does not match/ },
  { name: "ath of the token, not hashed", proof: () => craft({ claims: { ath: TOKEN } }), request: { accessToken: TOKEN }, says: /ath does not match/ },
  { name: "signed by another key than the token's cnf.jkt", proof: () => agentProof(other, URL_, "POST", undefined, TOKEN), request: { accessToken: TOKEN, jkt: "k" }, with: realNow, says: /another key than the one the access token is bound to/ },
  { name: "missing nonce when one is required", proof: () => craft(), request: { nonce: "n-1" }, code: "use_dpop_nonce", says: /requires a nonce/ },
  { name: "stale nonce", proof: () => craft({ claims: { nonce: "n-0" } }), request: { nonce: ["n-2", "n-1"] }, code: "use_dpop_nonce", says: /stale or unknown/ },
  { name: "a nonce that is not a string", proof: () => craft({ claims: { nonce: 1 } }), request: { nonce: "n-1" }, code: "use_dpop_nonce", says: /stale or unknown/ },
];

describe("verifyDpopProof refuses every proof RFC 9449 §4.3 says to refuse", () => {
  it.each(refusals)("$name", async (c) => {
    const proof = await c.proof();
    const request: DpopProofRequest = { dpop: proof, method: "POST", url: URL_, ...c.request };
    const jkt = c.request?.jkt === "k" ? await calculateThumbprint(agent.publicKey) : c.request?.jkt;
    const error = await verifyDpopProof({ ...request, ...(jkt ? { jkt } : {}) }, c.with ?? policy).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DpopProofError);
    const refused = error as DpopProofError;
    expect(refused.error).toBe(c.code ?? "invalid_dpop_proof");
    expect(refused.status).toBe(400);
    expect(refused.description).toMatch(c.says);
    // The description reaches logs, audit and the client: no proof, nor any part of one.
    const parts = (Array.isArray(proof) ? proof : [proof]).flatMap((p) => [p, ...p.split(".")]).filter((p) => p.length >= 8);
    for (const part of parts) {
      expect(refused.description).not.toContain(part);
      expect(refused.message).not.toContain(part);
    }
  });
});

describe("verifyDpopProof accepts an agent's proof", () => {
  it.each(["ES256", "RS256", "PS256", "Ed25519"] as const)("made with the dpop package, %s", async (alg) => {
    const keys = await generateKeyPair(alg);
    const proof = await generateProof(keys, URL_, "POST");
    const verified = await verifyDpopProof({ dpop: proof, method: "POST", url: URL_ }, realNow);
    expect(verified.jkt).toBe(await calculateThumbprint(keys.publicKey));
    expect(verified.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(verified.iat - Date.now() / 1000)).toBeLessThan(5);
  });

  it("with EdDSA, the older name for Ed25519", async () => {
    const keys = await generateKeyPair("Ed25519", { extractable: true });
    const proof = await craft({ header: { alg: "EdDSA", jwk: await exportJWK(keys.publicKey) }, key: keys.privateKey });
    expect((await verifyDpopProof({ dpop: proof, method: "POST", url: URL_ }, policy)).jkt).toBe(await calculateThumbprint(keys.publicKey));
  });

  it("whatever query or fragment either URL has, and comparing scheme, host and default port normalised", async () => {
    const proof = await agentProof(agent, "HTTPS://Vigil.Example.COM:443/api/v1/token?from=proof#frag");
    const verified = await verifyDpopProof({ dpop: [proof], method: "POST", url: new URL(`${URL_}?grant_type=x#y`) }, realNow);
    expect(verified.jkt).toBe(await calculateThumbprint(agent.publicKey));
  });

  it("bound to a token: ath, cnf.jkt and the current nonce all match", async () => {
    const proof = await agentProof(agent, "https://api.example.com/things", "GET", "n-2", TOKEN);
    const jkt = await calculateThumbprint(agent.publicKey);
    const verified = await verifyDpopProof({ dpop: proof, method: "GET", url: "https://api.example.com/things", accessToken: TOKEN, jkt, nonce: ["n-2", "n-1"] }, realNow);
    expect(verified.jkt).toBe(jkt);
  });

  it("at the edges of the iat window", async () => {
    for (const iat of [nowSeconds - 300, nowSeconds + 5]) {
      await expect(verifyDpopProof({ dpop: await craft({ claims: { iat } }), method: "POST", url: URL_ }, policy)).resolves.toMatchObject({ iat });
    }
  });
});

describe("dpopPolicy", () => {
  it("reads the configured algorithms and window (defaults: RFC 9449's asymmetric algs, 300 s)", () => {
    const p = dpopPolicy();
    expect(p.algorithms).toEqual(["ES256", "RS256", "PS256", "EdDSA", "Ed25519"]);
    expect(p.maxAgeSeconds).toBe(300);
  });
});
