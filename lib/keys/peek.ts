import { decodeJwt, decodeProtectedHeader } from "jose";
import { getConfig } from "@/lib/config";

export type Peeked = { from: "vigil" | "provider" | "other"; kid: string | undefined } | { refused: "malformed" | "algorithm" };

/**
 * Whose token this claims to be, read before any signature is checked, to choose the key set
 * it must verify against: Vigil's own (issuer exact) or the organisation's provider (trailing
 * slashes aside). Not a JWT, or an algorithm Vigil never accepts (none, HMAC), refuses here.
 */
export function peekJwt(token: string): Peeked {
  let iss: unknown;
  let alg: unknown;
  let kid: string | undefined;
  try {
    iss = decodeJwt(token).iss;
    ({ alg, kid } = decodeProtectedHeader(token));
  } catch {
    return { refused: "malformed" };
  }
  if (typeof alg !== "string" || alg === "none" || alg.startsWith("HS")) return { refused: "algorithm" };
  const config = getConfig();
  if (iss === config.issuer) return { from: "vigil", kid };
  const provider = config.OIDC_ISSUER?.replace(/\/+$/, "");
  if (provider && typeof iss === "string" && iss.replace(/\/+$/, "") === provider) return { from: "provider", kid };
  return { from: "other", kid };
}
