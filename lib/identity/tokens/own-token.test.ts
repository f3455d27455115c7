import { createHmac, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "@/lib/config";
import { currentSigningKey, jwks, type LoadedKey } from "@/lib/keys/keyring";
import { openLikeServer, testTargets, type TestDatabase } from "@/lib/testing/test-db";
import { describeJoseError, TokenInvalid, verifyVigilToken } from "./verify";

// Vigil verifies its own tokens with node:crypto (lib/keys/own-jws.ts), not jose. Every case
// below goes through both: ours, and what this file verified them with before (jose's jwtVerify
// with the same options, then the iat check), so a difference shows as a failing row. Where
// ours is deliberately stricter, the row says what jose did.

const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

function signed(key: { alg: string; privateKey: KeyObject }, header: Record<string, unknown>, payload: unknown): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const data = Buffer.from(input);
  const signature =
    key.alg === "EdDSA" ? sign(null, data, key.privateKey) : key.alg === "ES256" ? sign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" }) : sign("sha256", data, key.privateKey);
  return `${input}.${signature.toString("base64url")}`;
}

/** The verifier before this change: jose, then the check jose does not make. */
async function joseVerdict(token: string, audience?: string): Promise<string> {
  const config = getConfig();
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks()), {
      issuer: config.issuer,
      audience,
      algorithms: ["RS256", "ES256", "EdDSA"],
      typ: "at+jwt",
      clockTolerance: config.CLOCK_LEEWAY_SECONDS,
      requiredClaims: ["sub", "jti", "exp", "iat"],
    });
    if (typeof payload.iat === "number" && payload.iat - config.CLOCK_LEEWAY_SECONDS > Math.floor(Date.now() / 1000)) return "token issued in the future";
    return "accepted";
  } catch (error) {
    return describeJoseError(error);
  }
}

async function ourVerdict(token: string, audience?: string): Promise<string> {
  try {
    await verifyVigilToken(token, audience);
    return "accepted";
  } catch (error) {
    if (error instanceof TokenInvalid) return error.reason;
    throw error;
  }
}

type Row = {
  name: string;
  token: () => string;
  expected: string;
  /** What jose said, where ours is deliberately stricter; otherwise the same as `expected`. */
  jose?: string;
  audience?: string;
};

describe.each(testTargets())("verifying Vigil's own tokens on $name", (target) => {
  let t: TestDatabase;
  let key: LoadedKey & { privateKey: KeyObject };
  beforeAll(async () => {
    t = await openLikeServer(target);
    const current = currentSigningKey();
    if (!current?.privateKey) throw new Error("setup: a signing key is loaded");
    key = { ...current, privateKey: current.privateKey };
  });
  afterAll(async () => t?.drop());

  const now = () => Math.floor(Date.now() / 1000);
  const header = (extra: Record<string, unknown> = {}) => ({ alg: key.alg, kid: key.kid, typ: "at+jwt", ...extra });
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: getConfig().issuer, sub: "agent-1", jti: "jti-1", client_id: "c1", scope: "svc:read", iat: now(), nbf: now(), exp: now() + 600, ...extra });
  const without = (name: string) => {
    const all: Record<string, unknown> = claims();
    delete all[name];
    return all;
  };
  const other = () => ({ alg: key.alg, privateKey: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey });
  const leeway = () => getConfig().CLOCK_LEEWAY_SECONDS;
  const swapPart = (token: string, index: number, value: string) => token.split(".").map((part, i) => (i === index ? value : part)).join(".");

  const rows: Row[] = [
    { name: "a well-formed token", token: () => signed(key, header(), claims()), expected: "accepted" },
    { name: "typ written as application/at+jwt, any case", token: () => signed(key, header({ typ: "Application/AT+JWT" }), claims()), expected: "accepted" },
    { name: "an audience asked for and present in an array", token: () => signed(key, header(), claims({ aud: ["x", "api"] })), expected: "accepted", audience: "api" },
    { name: "expired within the clock leeway", token: () => signed(key, header(), claims({ exp: now() - leeway() + 2 })), expected: "accepted" },
    // RFC 8725 §3.1/§3.2: the algorithm is the key's, never the token's choice.
    { name: "alg none, unsigned", token: () => `${b64({ alg: "none", kid: key.kid, typ: "at+jwt" })}.${b64(claims())}.`, expected: "algorithm not allowed" },
    {
      name: "HS256 keyed with the public key (algorithm confusion)",
      token: () => {
        const input = `${b64(header({ alg: "HS256" }))}.${b64(claims())}`;
        const publicPem = createPublicKey(key.privateKey).export({ format: "pem", type: "spki" });
        return `${input}.${createHmac("sha256", publicPem).update(input).digest("base64url")}`;
      },
      expected: "algorithm not allowed",
    },
    { name: "an alg Vigil never signs with (PS256)", token: () => signed(key, header({ alg: "PS256" }), claims()), expected: "algorithm not allowed" },
    { name: "an allowed alg that is not the key's", token: () => signed(key, header({ alg: key.alg === "ES256" ? "EdDSA" : "ES256" }), claims()), expected: "unknown key" },
    { name: "a kid Vigil does not publish", token: () => signed(key, header({ kid: "not-a-key" }), claims()), expected: "unknown key" },
    // jose picks the only key of the type when no kid is given; Vigil always sets one.
    { name: "no kid", token: () => signed(key, { alg: key.alg, typ: "at+jwt" }, claims()), expected: "unknown key", jose: "accepted" },
    { name: "signed by another key under Vigil's kid", token: () => signed(other(), header(), claims()), expected: "invalid signature" },
    { name: "claims changed after signing", token: () => swapPart(signed(key, header(), claims()), 1, b64(claims({ scope: "svc:admin" }))), expected: "invalid signature" },
    { name: "header changed after signing", token: () => swapPart(signed(key, header(), claims()), 0, b64(header({ x: 1 }))), expected: "invalid signature" },
    { name: "a signature one byte short", token: () => { const t = signed(key, header(), claims()); return t.slice(0, -2); }, expected: "invalid signature" },
    // jose decodes an empty signature and fails it; ours refuses the shape first.
    { name: "an empty signature", token: () => swapPart(signed(key, header(), claims()), 2, ""), expected: "malformed token", jose: "invalid signature" },
    { name: "two segments", token: () => signed(key, header(), claims()).split(".").slice(0, 2).join("."), expected: "malformed token" },
    { name: "four segments", token: () => `${signed(key, header(), claims())}.x`, expected: "malformed token" },
    { name: "a header that is not JSON", token: () => swapPart(signed(key, header(), claims()), 0, b64("{alg")), expected: "malformed token" },
    { name: "a header that is a JSON array", token: () => swapPart(signed(key, header(), claims()), 0, b64([1])), expected: "malformed token" },
    // jose's base64 reads past these and the signature then fails; ours refuses the shape first.
    { name: "a header with padding", token: () => swapPart(signed(key, header(), claims()), 0, `${b64(header())}==`), expected: "malformed token", jose: "invalid signature" },
    {
      name: "standard-base64 characters in the payload",
      token: () => swapPart(signed(key, header(), claims()), 1, `${b64(claims())}+/`),
      expected: "malformed token",
      jose: "invalid signature",
    },
    { name: "a signed payload that is a JSON array", token: () => signed(key, header(), [claims()]), expected: "malformed token" },
    { name: "a signed payload that is not JSON", token: () => signed(key, header(), "not json"), expected: "malformed token" },
    // RFC 7515 §4.1.11: an extension the verifier does not understand is refused.
    { name: "crit naming an extension", token: () => signed(key, header({ crit: ["exp"], exp: 1 }), claims()), expected: "malformed token" },
    { name: "b64 false (unencoded payload)", token: () => signed(key, header({ crit: ["b64"], b64: false }), claims()), expected: "malformed token" },
    // RFC 9068 §4: typ must say this is an access token, not an ID token or a DPoP proof.
    { name: "no typ", token: () => signed(key, { alg: key.alg, kid: key.kid }, claims()), expected: "not an access token (typ must be at+jwt)" },
    { name: "typ JWT (an ID token)", token: () => signed(key, header({ typ: "JWT" }), claims()), expected: "not an access token (typ must be at+jwt)" },
    { name: "typ dpop+jwt", token: () => signed(key, header({ typ: "dpop+jwt" }), claims()), expected: "not an access token (typ must be at+jwt)" },
    { name: "another issuer", token: () => signed(key, header(), claims({ iss: "https://evil.example" })), expected: "wrong issuer" },
    { name: "the issuer with a trailing slash", token: () => signed(key, header(), claims({ iss: `${getConfig().issuer}/` })), expected: "wrong issuer" },
    { name: "no issuer", token: () => signed(key, header(), without("iss")), expected: "wrong issuer" },
    { name: "another audience when one is asked for", token: () => signed(key, header(), claims({ aud: "other" })), expected: "wrong audience", audience: "api" },
    { name: "no audience when one is asked for", token: () => signed(key, header(), claims()), expected: "wrong audience", audience: "api" },
    { name: "no sub", token: () => signed(key, header(), without("sub")), expected: "invalid claim sub" },
    { name: "no jti", token: () => signed(key, header(), without("jti")), expected: "invalid claim jti" },
    { name: "no exp", token: () => signed(key, header(), without("exp")), expected: "invalid claim exp" },
    { name: "no iat", token: () => signed(key, header(), without("iat")), expected: "invalid claim iat" },
    { name: "exp a string", token: () => signed(key, header(), claims({ exp: String(now() + 600) })), expected: "invalid claim exp" },
    // jose's error names the claim; the words it was given for any nbf failure were "not yet valid".
    { name: "nbf a string", token: () => signed(key, header(), claims({ nbf: "0" })), expected: "invalid claim nbf", jose: "token not yet valid" },
    { name: "expired beyond the leeway", token: () => signed(key, header(), claims({ exp: now() - leeway() - 1 })), expected: "token expired" },
    { name: "exp exactly at the leeway's edge", token: () => signed(key, header(), claims({ exp: now() - leeway() })), expected: "token expired" },
    { name: "not valid before a time beyond the leeway", token: () => signed(key, header(), claims({ nbf: now() + leeway() + 5 })), expected: "token not yet valid" },
    { name: "issued in the future beyond the leeway", token: () => signed(key, header(), claims({ iat: now() + leeway() + 5 })), expected: "token issued in the future" },
    // Vigil signs sub and jti as strings; jose does not look at their type.
    { name: "sub a number", token: () => signed(key, header(), claims({ sub: 42 })), expected: "invalid claim sub", jose: "accepted" },
    { name: "jti an object", token: () => signed(key, header(), claims({ jti: {} })), expected: "invalid claim jti", jose: "accepted" },
    // JSON.parse reads 1e999 as Infinity, a number jose takes: a token that never expires.
    {
      name: "exp 1e999 (Infinity once parsed)",
      token: () => signed(key, header(), JSON.stringify(claims({ exp: 0 })).replace(/"exp":0/, '"exp":1e999')),
      expected: "invalid claim exp",
      jose: "accepted",
    },
  ];

  it.each(rows)("$name: $expected", async (row) => {
    const token = row.token();
    expect(await ourVerdict(token, row.audience)).toBe(row.expected);
    expect(await joseVerdict(token, row.audience)).toBe(row.jose ?? row.expected);
  });

  it("accepts a token jose signed, and returns its claims as signed", async () => {
    const token = await new SignJWT(claims({ act: { sub: "agent-2" } }))
      .setProtectedHeader(header())
      .sign(key.privateKey);
    const verified = await verifyVigilToken(token);
    expect(verified).toMatchObject({ sub: "agent-1", jti: "jti-1", scope: "svc:read", act: { sub: "agent-2" } });
  });
});
