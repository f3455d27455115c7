import { createHmac } from "node:crypto";
import { getConfig } from "@/lib/config";
import { serverKeys, type ServerKeys } from "@/lib/keys/server-secrets";

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9), stateless: the nonce of a time window is an
 * HMAC of the window under a key derived from AUTH_SECRET, so every replica issues and accepts
 * the same ones without sharing state. The current and the previous window's nonces are
 * accepted, so a nonce lives between one and two DPOP_NONCE_SECONDS.
 *
 * After AUTH_SECRET changes, the nonces of AUTH_SECRET_PREVIOUS's keys are accepted too (for
 * the same two windows): during a rolling restart replicas on either secret hand out nonces,
 * and a client holding one from the other side would otherwise get use_dpop_nonce, retry,
 * and perhaps meet the other side again. Only the current key's nonce is ever issued.
 */
export type DpopNonces = { current: string; accepted: readonly string[] };

let memo: { window: number; keys: ServerKeys; nonces: DpopNonces } | undefined;

/** The nonces in force, or null when DPOP_NONCES is off (proofs then carry none). */
export function dpopNonces(now = Date.now()): DpopNonces | null {
  const config = getConfig();
  if (!config.DPOP_NONCES) return null;
  const window = Math.floor(now / (config.DPOP_NONCE_SECONDS * 1000));
  const keys = serverKeys();
  if (memo?.window !== window || memo.keys !== keys) {
    const current = nonceOf(keys.dpopNonceKey, window);
    const accepted = keys.versions.flatMap((v) => [nonceOf(v.dpopNonceKey, window), nonceOf(v.dpopNonceKey, window - 1)]);
    memo = { window, keys, nonces: { current, accepted } };
  }
  return memo.nonces;
}

function nonceOf(key: Buffer, window: number): string {
  return createHmac("sha256", key).update(`dpop-nonce:${window}`).digest("base64url");
}
