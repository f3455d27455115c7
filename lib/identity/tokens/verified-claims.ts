import { getConfig } from "@/lib/config";
import { processSingleton } from "@/lib/process/singleton";
import { checkTimes, sweptCache } from "./verified-cache";
import { verifyVigilToken, type VigilClaims } from "./verify";

/**
 * A Vigil access token's claims for introspection: the signature, issuer, type and required
 * claims verified once per token, as the gateway does (a resource server asks about the same
 * token on every request it serves; the RSA check was a quarter of an answer's CPU). Expiry
 * and not-before are checked on every call; whether the token is still active (revocation,
 * suspension) is the caller's next step, from the gate's memory view.
 */
export async function verifiedVigilClaims(token: string): Promise<VigilClaims> {
  const config = getConfig();
  const cache = processSingleton("introspected-tokens", () => sweptCache<{ claims: VigilClaims }>(config.VERIFIED_TOKEN_CACHE_SIZE));
  let verified = cache.get(token);
  if (!verified) {
    verified = { claims: await verifyVigilToken(token) };
    cache.set(token, verified);
  }
  checkTimes(verified.claims, config.CLOCK_LEEWAY_SECONDS);
  return verified.claims;
}
