import { getConfig } from "@/lib/config";

export type Peeked = { from: "vigil" | "provider" | "other"; kid: string | undefined } | { refused: "malformed" | "algorithm" };

/**
 * Whose token this claims to be, read before any signature is checked, to choose the key set
 * it must verify against: Vigil's own (issuer exact) or the organisation's provider (trailing
 * slashes aside). Not a JWT, or an algorithm Vigil never accepts (none, HMAC), refuses here.
 */
export function peekJwt(token: string): Peeked {
  // Decoded with Buffer rather than jose's decodeJwt/decodeProtectedHeader: their base64 (atob
  // and a loop) was 4 % of a gateway call for a token it had not seen. Only to choose the key
  // set: the signature and every claim are checked by jose afterwards.
  const parts = token.split(".");
  const header = parts.length === 3 ? jsonSegment(parts[0]) : null;
  const payload = header ? jsonSegment(parts[1]) : null;
  if (!header || !payload) return { refused: "malformed" };
  const { alg, kid } = header;
  const iss = payload.iss;
  if (typeof alg !== "string" || alg === "none" || alg.startsWith("HS")) return { refused: "algorithm" };
  const config = getConfig();
  const keyId = typeof kid === "string" ? kid : undefined;
  if (iss === config.issuer) return { from: "vigil", kid: keyId };
  const provider = config.OIDC_ISSUER?.replace(/\/+$/, "");
  if (provider && typeof iss === "string" && iss.replace(/\/+$/, "") === provider) return { from: "provider", kid: keyId };
  return { from: "other", kid: keyId };
}

export const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A base64url segment holding a JSON object, or null (Buffer alone would skip stray characters). */
export function jsonSegment(segment: string | undefined): Record<string, unknown> | null {
  if (!segment || !BASE64URL.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
