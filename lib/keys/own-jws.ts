import { verify as cryptoVerify, type KeyObject } from "node:crypto";
import { jwsCryptoArgs, type SigningAlg } from "./crypto";
import { BASE64URL as SEGMENT, jsonSegment } from "./peek";

/** What a compact JWS signed by one of Vigil's own keys was refused for (the words of `describeJoseError`). */
export type JwsRefusal = "malformed token" | "algorithm not allowed" | "unknown key" | "invalid signature";

export class JwsRefused extends Error {
  constructor(readonly reason: JwsRefusal) {
    super(reason);
  }
}

export type VerifyingKey = { alg: SigningAlg; key: KeyObject };

const ALGORITHMS: ReadonlySet<string> = new Set<SigningAlg>(["RS256", "ES256", "EdDSA"]);

/**
 * Verifies a compact JWS against Vigil's own published keys with node:crypto, and returns its
 * protected header and payload as JSON objects. Only for tokens Vigil signs: the kid must name
 * a published key and the alg must be that key's (never `none` or HMAC, never chosen by the
 * token); `crit` and `b64` are refused, as Vigil never sets them.
 *
 * Why not jose, which verifies everything else: jose 6 goes through WebCrypto, whose promise
 * and key wrapping cost ~22 µs of the event loop per RSA verification, against ~11 µs for
 * node:crypto's callback form (which also runs the RSA work on libuv's pool). On the gateway
 * every token it has not seen pays it. What jose's jwtVerify checks for these tokens is kept;
 * lib/identity/tokens/own-token.test.ts compares the two on a table of forged and broken tokens.
 */
export async function verifyOwnJws(token: string, keyFor: (kid: string) => VerifyingKey | undefined): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const first = token.indexOf(".");
  const second = first < 0 ? -1 : token.indexOf(".", first + 1);
  if (second < 0 || token.indexOf(".", second + 1) !== -1) throw new JwsRefused("malformed token");
  const header = jsonSegment(token.slice(0, first));
  if (!header || "crit" in header || "b64" in header) throw new JwsRefused("malformed token");
  const { alg, kid } = header;
  if (typeof alg !== "string" || !ALGORITHMS.has(alg)) throw new JwsRefused("algorithm not allowed");
  const entry = typeof kid === "string" ? keyFor(kid) : undefined;
  // A key of another type than the header's alg is no match (as jose's key set selects by kty).
  if (!entry || entry.alg !== alg) throw new JwsRefused("unknown key");
  const encodedPayload = token.slice(first + 1, second);
  const encodedSignature = token.slice(second + 1);
  // Checked before the bytes are read as latin1 below, where any other character would be cut to one byte.
  if (!SEGMENT.test(encodedPayload) || !SEGMENT.test(encodedSignature)) throw new JwsRefused("malformed token");
  const signed = Buffer.from(token.slice(0, second), "latin1");
  if (!(await signatureHolds(entry, signed, Buffer.from(encodedSignature, "base64url")))) throw new JwsRefused("invalid signature");
  const payload = jsonSegment(encodedPayload);
  if (!payload) throw new JwsRefused("malformed token");
  return { header, payload };
}

function signatureHolds({ alg, key }: VerifyingKey, data: Buffer, signature: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (error: Error | null, ok: boolean) => resolve(!error && ok);
    try {
      const [digest, verifyingKey] = jwsCryptoArgs(alg, key);
      cryptoVerify(digest, data, verifyingKey, signature, done);
    } catch {
      // node:crypto throws at once on a signature it cannot even read (an EC one of the wrong length).
      resolve(false);
    }
  });
}
