// OAuth requests for the token benches: the load runs against a token endpoint, and the
// one-off checks that make sure every side really issues what is being compared (signed JWTs).
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { runLoad } from "./load.mjs";

/** @param {string} clientId @param {string} clientSecret */
export function basicAuth(clientId, clientSecret) {
  // RFC 6749 §2.3.1: form-urlencode each part before base64.
  const enc = (/** @type {string} */ s) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString("base64")}`;
}

/**
 * @param {string} url token endpoint
 * @param {string} authorization
 * @param {string} form
 * @returns {Promise<{ status: number, text: string, json: Record<string, unknown> | null }>}
 */
/**
 * A load run against a token endpoint: the same form, client authentication and connections
 * for every side of a token bench.
 * @param {string} label @param {{ url: string, auth: string }} side @param {string} form @param {number} seconds @param {number} connections
 */
export function tokenLoad(label, side, form, seconds, connections) {
  return runLoad({ label, url: side.url, body: form, headers: { authorization: side.auth, "content-type": "application/x-www-form-urlencoded" }, seconds, connections });
}

export async function tokenRequest(url, authorization, form) {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
    body: form,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // reported through `text`
  }
  return { status: res.status, text, json };
}

/**
 * Fails unless `token` is a compact JWS signed RS256 with a 2048-bit key from `jwksUrl`.
 * @param {string} label
 * @param {unknown} token
 * @param {string} jwksUrl
 */
export async function assertRs256Jwt(label, token, jwksUrl) {
  if (typeof token !== "string" || token.split(".").length !== 3) {
    throw new Error(`${label}: access_token is not a JWT (expected 3 dot-separated parts): ${String(token).slice(0, 80)}`);
  }
  const header = decodeProtectedHeader(token);
  if (header.alg !== "RS256") throw new Error(`${label}: expected alg RS256, got ${header.alg}`);
  const jwksRes = await fetch(jwksUrl, { signal: AbortSignal.timeout(10_000) });
  const jwks = await jwksRes.json();
  const jwk = (jwks.keys ?? []).find((/** @type {any} */ k) => k.kid === header.kid);
  const bits = jwk?.n ? Buffer.from(jwk.n, "base64url").length * 8 : 0;
  if (bits !== 2048) throw new Error(`${label}: signing key ${header.kid} is ${bits || "?"}-bit, expected 2048`);
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)));
  return { header, payload };
}
