import { createHmac, randomBytes } from "node:crypto";
import { safeEqual } from "@/lib/keys/safe-equal";
import { serverKeys } from "@/lib/keys/server-secrets";

/** 256 bits from the CSPRNG; the prefix makes leaked secrets easy to recognise in scanners. */
export function newClientSecret(): string {
  return `vgs_${randomBytes(32).toString("base64url")}`;
}

export function newClientId(): string {
  return `vgc_${randomBytes(12).toString("base64url")}`;
}

/**
 * HMAC-SHA-256 under a server key. The secrets are high-entropy, so a slow password hash
 * (bcrypt, argon2) would add nothing but cap the token endpoint at a few dozen requests/s.
 */
export function hashSecret(secret: string): string {
  return createHmac("sha256", serverKeys().credentialHashKey).update(secret, "utf8").digest("base64url");
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string | null | undefined): boolean {
  if (!storedHash) return false;
  return safeEqual(hashSecret(secret), storedHash);
}
