import { createHash } from "node:crypto";

/**
 * Remembers single-use ids until they expire, for every replica at once: a DPoP proof's jti
 * (RFC 9449 §11.1) or a client assertion's jti (RFC 7523 §3) is accepted by one replica only.
 */
export interface ReplayCache {
  /**
   * True the first time `key` is claimed while unexpired, false on every later claim before
   * `expiresAt`. A claim that has expired blocks nothing, so the key may be claimed again.
   * Throws when the store cannot answer: the caller refuses the request (fail closed).
   */
  claim(key: string, expiresAt: Date): Promise<boolean>;
}

/** What a single-use id belongs to; one cache serves them all without collisions. */
export type ReplayNamespace = "dpop" | "assertion";

/**
 * The cache key for `id`: namespaced, and hashed so an attacker's choice of id (any string
 * the proof carries) sets neither the key's length nor its characters.
 */
export function replayKey(namespace: ReplayNamespace, id: string): string {
  return `${namespace}:${createHash("sha256").update(id, "utf8").digest("base64url")}`;
}
