import { createHmac, randomBytes } from "node:crypto";
import { safeEqual } from "@/lib/keys/safe-equal";
import { LEGACY_VERSION, serverKeys } from "@/lib/keys/server-secrets";

/** 256 bits from the CSPRNG; the prefix makes leaked secrets easy to recognise in scanners. */
export function newClientSecret(): string {
  return `vgs_${randomBytes(32).toString("base64url")}`;
}

export function newClientId(): string {
  return `vgc_${randomBytes(12).toString("base64url")}`;
}

const mac = (key: Buffer, secret: string) => createHmac("sha256", key).update(secret, "utf8").digest("base64url");

/**
 * HMAC-SHA-256 under the current server secret's key, stored as `<version>$<hmac>` so a
 * rotation knows which secret's key checks it. The secrets are high-entropy, so a slow
 * password hash (bcrypt, argon2) would add nothing but cap the token endpoint at a few
 * dozen requests/s.
 */
export function hashSecret(secret: string): string {
  const { version, credentialHashKey } = serverKeys();
  return `${version}$${mac(credentialHashKey, secret)}`;
}

/** The version a stored hash names ("legacy" for one from before versions). */
export function hashVersion(stored: string): string {
  const at = stored.indexOf("$");
  return at < 0 ? LEGACY_VERSION : stored.slice(0, at);
}

/**
 * What checking a presented secret against a stored hash found. `stale`: it matched, but not
 * as a hash under the current secret's version, so it should be re-made (hashSecret) now that
 * the plaintext is at hand — the only moment it is. `retired`: the hash names a version whose
 * secret is no longer configured, so no secret can match it.
 */
export type SecretCheck = { match: true; stale: boolean; version: string } | { match: false; retired: boolean };

/**
 * Constant-time comparison of a presented secret with a stored hash: a tagged hash with its
 * version's key only; an untagged one with every configured key, current first.
 */
export function checkSecret(secret: string, stored: string | null | undefined): SecretCheck {
  const { version: current, versions, credentialHashKey } = serverKeys();
  if (!stored) return { match: false, retired: false };
  const at = stored.indexOf("$");
  if (at >= 0) {
    const version = stored.slice(0, at);
    const keys = versions.find((v) => v.version === version);
    // Still one HMAC, so a retired hash answers as fast as a wrong secret.
    const match = safeEqual(mac(keys?.credentialHashKey ?? credentialHashKey, secret), stored.slice(at + 1)) && keys !== undefined;
    return match ? { match, stale: version !== current, version } : { match: false, retired: keys === undefined };
  }
  for (const keys of versions) {
    if (safeEqual(mac(keys.credentialHashKey, secret), stored)) return { match: true, stale: true, version: LEGACY_VERSION };
  }
  return { match: false, retired: false };
}

/**
 * A hash nothing matches, tagged with the current version so checking it costs what checking
 * a known client's current hash costs (one HMAC): the time of an answer must not tell which
 * client ids exist (issue 19).
 */
export function unmatchableHash(): string {
  return `${serverKeys().version}$unknown-client`;
}

/** Whether a presented secret matches a stored hash (any configured version). */
export function secretMatches(secret: string, stored: string | null | undefined): boolean {
  return checkSecret(secret, stored).match;
}
