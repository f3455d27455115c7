import { createHmac } from "node:crypto";
import { getConfig } from "@/lib/config";
import { serverKeys } from "@/lib/keys/server-secrets";

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9), stateless: the nonce of a time window is an
 * HMAC of the window under a key derived from AUTH_SECRET, so every replica issues and accepts
 * the same ones without sharing state. The current and the previous window's nonces are
 * accepted, so a nonce lives between one and two DPOP_NONCE_SECONDS.
 */
export type DpopNonces = { current: string; accepted: readonly [string, string] };

let memo: { window: number; key: Buffer; nonces: DpopNonces } | undefined;

/** The nonces in force, or null when DPOP_NONCES is off (proofs then carry none). */
export function dpopNonces(now = Date.now()): DpopNonces | null {
  const config = getConfig();
  if (!config.DPOP_NONCES) return null;
  const window = Math.floor(now / (config.DPOP_NONCE_SECONDS * 1000));
  const key = serverKeys().dpopNonceKey;
  if (memo?.window !== window || memo.key !== key) {
    const current = nonceOf(key, window);
    memo = { window, key, nonces: { current, accepted: [current, nonceOf(key, window - 1)] } };
  }
  return memo.nonces;
}

function nonceOf(key: Buffer, window: number): string {
  return createHmac("sha256", key).update(`dpop-nonce:${window}`).digest("base64url");
}
