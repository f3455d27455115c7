import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { CompactSign, compactVerify, createLocalJWKSet, exportJWK } from "jose";
import { describe, expect, it } from "vitest";
import type { SigningAlg } from "./crypto";
import { JwsRefused, verifyOwnJws, type VerifyingKey } from "./own-jws";

// The signature half of own-token.test.ts for each alg Vigil signs with: tokens jose signs are
// accepted, and a signature jose refuses is refused too (verdicts compared with compactVerify).

const pairs: Record<SigningAlg, () => { privateKey: KeyObject; publicKey: KeyObject }> = {
  RS256: () => generateKeyPairSync("rsa", { modulusLength: 2048 }),
  ES256: () => generateKeyPairSync("ec", { namedCurve: "P-256" }),
  EdDSA: () => generateKeyPairSync("ed25519"),
};

async function ours(token: string, keys: Map<string, VerifyingKey>): Promise<string> {
  try {
    await verifyOwnJws(token, (kid) => keys.get(kid));
    return "accepted";
  } catch (error) {
    if (error instanceof JwsRefused) return error.reason;
    throw error;
  }
}

async function jose(token: string, publicKey: KeyObject, alg: SigningAlg): Promise<string> {
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg };
  try {
    await compactVerify(token, createLocalJWKSet({ keys: [jwk] }), { algorithms: [alg] });
    return "accepted";
  } catch {
    return "refused";
  }
}

describe.each(Object.keys(pairs) as SigningAlg[])("verifyOwnJws with %s", (alg) => {
  const { privateKey, publicKey } = pairs[alg]();
  const keys = new Map<string, VerifyingKey>([["k1", { alg, key: publicKey }]]);
  const payload = Buffer.from(JSON.stringify({ sub: "a", iat: 1 }));
  const joseSigned = () => new CompactSign(payload).setProtectedHeader({ alg, kid: "k1", typ: "at+jwt" }).sign(privateKey);
  const signatureOf = (token: string) => Buffer.from(token.slice(token.lastIndexOf(".") + 1), "base64url");
  const withSignature = (token: string, signature: Buffer) => `${token.slice(0, token.lastIndexOf("."))}.${signature.toString("base64url")}`;

  it("accepts what jose signs and returns the header and payload", async () => {
    const token = await joseSigned();
    await expect(verifyOwnJws(token, (kid) => keys.get(kid))).resolves.toEqual({ header: { alg, kid: "k1", typ: "at+jwt" }, payload: { sub: "a", iat: 1 } });
    expect(await jose(token, publicKey, alg)).toBe("accepted");
  });

  const broken: [string, (token: string) => string][] = [
    ["a signature with its last byte changed", (token) => {
        const s = signatureOf(token);
        s.writeUInt8(s.readUInt8(s.length - 1) ^ 1, s.length - 1);
        return withSignature(token, s);
      }],
    ["a signature one byte short", (token) => withSignature(token, signatureOf(token).subarray(1))],
    ["a signature of zeros", (token) => withSignature(token, Buffer.alloc(signatureOf(token).length))],
    ["the signature of another message", (token) => withSignature(token, alg === "EdDSA" ? sign(null, Buffer.from("x"), privateKey) : sign("sha256", Buffer.from("x"), alg === "ES256" ? { key: privateKey, dsaEncoding: "ieee-p1363" } : privateKey))],
    // JWS ES256 is r||s (RFC 7518 §3.4); a DER signature of the right message is not one.
    ["an ES256 signature in DER", (token) => (alg === "ES256" ? withSignature(token, sign("sha256", Buffer.from(token.slice(0, token.lastIndexOf("."))), privateKey)) : withSignature(token, Buffer.alloc(3)))],
  ];
  it.each(broken)("refuses %s as jose does", async (_name, mangle) => {
    const token = mangle(await joseSigned());
    expect(await ours(token, keys)).toBe("invalid signature");
    expect(await jose(token, publicKey, alg)).toBe("refused");
  });
});
